#include "client/soap/wstrust_xml.h"

#include <libxml/tree.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/soap/namespaces.h"
#include "client/soap/token_xml.h"
#include "client/soap/wsu_time.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"
#include "client/wire/uris.h"

namespace sts::soap {
namespace {

using wire::Refusal;
using wire::Refuse;

constexpr char kWst[] = "wst";

// A new document whose root is {wst}`name`.
std::pair<Document, xmlNode*> NewDocument(absl::string_view name) {
  Document doc(xmlNewDoc(BAD_CAST "1.0"));
  const std::string n(name);
  xmlNode* root = xmlNewDocNode(doc.get(), nullptr, BAD_CAST n.c_str(), nullptr);
  xmlDocSetRootElement(doc.get(), root);
  xmlSetNs(root, xmlNewNs(root, BAD_CAST std::string(kWst13Namespace).c_str(), BAD_CAST kWst));
  return {std::move(doc), root};
}

std::string Pretty(xmlDoc* doc) {
  xmlChar* mem = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
  std::string out(reinterpret_cast<const char*>(mem), mem == nullptr ? 0 : size);
  xmlFree(mem);
  return out;
}

void Reference(xmlNode* parent, absl::string_view element, absl::string_view uri) {
  xmlNode* holder = NewChild(parent, kWst13Namespace, kWst, element);
  AppendSecurityTokenReference(holder, {std::string(uri), std::string(kSctValueType13), ""});
}

void Lifetime(xmlNode* parent, const sts::v1::Lifetime& lifetime) {
  xmlNode* l = NewChild(parent, kWst13Namespace, kWst, "Lifetime");
  if (lifetime.has_created()) {
    NewChild(l, kWsuNamespace, "wsu", "Created", FormatWsuTime(wire::TimeOf(lifetime.created())));
  }
  if (lifetime.has_expires()) {
    NewChild(l, kWsuNamespace, "wsu", "Expires", FormatWsuTime(wire::TimeOf(lifetime.expires())));
  }
}

void BinarySecret(xmlNode* parent, const sts::v1::BinarySecret& secret) {
  xmlNode* b = NewChild(parent, kWst13Namespace, kWst, "BinarySecret",
                        absl::Base64Escape(secret.value()));
  if (!secret.type().empty()) SetAttribute(b, "Type", secret.type());
}

void AppliesTo(xmlNode* parent, absl::string_view address) {
  xmlNode* a = NewChild(parent, kWspNamespace, "wsp", "AppliesTo");
  xmlNode* epr = NewChild(a, kWsaNamespace, "wsa", "EndpointReference");
  NewChild(epr, kWsaNamespace, "wsa", "Address", address);
}

xmlNode* Rstr(xmlNode* parent, const std::string& context) {
  xmlNode* rstr = NewChild(parent, kWst13Namespace, kWst, "RequestSecurityTokenResponse");
  if (!context.empty()) SetAttribute(rstr, "Context", context);
  return rstr;
}

}  // namespace

std::string IssueResponseXml(const sts::v1::RequestSecurityTokenResponse& r,
                             const RstrXmlOptions& options) {
  auto [doc, root] = NewDocument("RequestSecurityTokenResponseCollection");
  xmlNode* rstr = Rstr(root, r.context());
  NewChild(rstr, kWst13Namespace, kWst, "TokenType",
           r.token_type().empty() ? wire::kTokenTypeSct : absl::string_view(r.token_type()));
  const sts::v1::SecurityContextToken& token = r.requested_security_token();
  xmlNode* requested = NewChild(rstr, kWst13Namespace, kWst, "RequestedSecurityToken");
  AppendSecurityContextToken(requested, token, token.wsu_id());
  if (!r.applies_to().empty()) AppliesTo(rstr, r.applies_to());
  Reference(rstr, "RequestedAttachedReference",
            r.requested_attached_reference().uri().empty()
                ? absl::StrCat("#", token.wsu_id())
                : r.requested_attached_reference().uri());
  Reference(rstr, "RequestedUnattachedReference",
            r.requested_unattached_reference().uri().empty()
                ? token.identifier()
                : r.requested_unattached_reference().uri());
  const sts::v1::RequestedProofToken& proof = r.requested_proof_token();
  if (proof.proof_case() == sts::v1::RequestedProofToken::kComputedKey) {
    xmlNode* p = NewChild(rstr, kWst13Namespace, kWst, "RequestedProofToken");
    NewChild(p, kWst13Namespace, kWst, "ComputedKey", proof.computed_key());
  } else if (proof.proof_case() == sts::v1::RequestedProofToken::kBinarySecret &&
             options.include_proof_key) {
    xmlNode* p = NewChild(rstr, kWst13Namespace, kWst, "RequestedProofToken");
    BinarySecret(p, proof.binary_secret());
  }
  if (r.has_entropy()) {
    BinarySecret(NewChild(rstr, kWst13Namespace, kWst, "Entropy"), r.entropy().binary_secret());
  }
  if (r.has_lifetime()) Lifetime(rstr, r.lifetime());
  if (r.key_size() != 0) NewChild(rstr, kWst13Namespace, kWst, "KeySize", absl::StrCat(r.key_size()));
  if (!r.principal().empty()) NewChild(rstr, kStsNamespace, "sts", "Principal", r.principal());
  return Pretty(doc.get());
}

std::string CancelResponseXml(const sts::v1::CancelResponse& r) {
  auto [doc, root] = NewDocument("RequestSecurityTokenResponse");
  if (!r.context().empty()) SetAttribute(root, "Context", r.context());
  if (r.requested_token_cancelled()) {
    NewChild(root, kWst13Namespace, kWst, "RequestedTokenCancelled");
  }
  return Pretty(doc.get());
}

std::string ValidateResponseXml(const sts::v1::ValidateResponse& r) {
  auto [doc, root] = NewDocument("RequestSecurityTokenResponse");
  if (!r.context().empty()) SetAttribute(root, "Context", r.context());
  NewChild(root, kWst13Namespace, kWst, "TokenType",
           r.token_type().empty() ? wire::kTokenTypeStatus : absl::string_view(r.token_type()));
  xmlNode* status = NewChild(root, kWst13Namespace, kWst, "Status");
  NewChild(status, kWst13Namespace, kWst, "Code", r.status().code());
  if (!r.status().reason().empty()) {
    NewChild(status, kWst13Namespace, kWst, "Reason", r.status().reason());
  }
  return Pretty(doc.get());
}

namespace {

// 2005/02 WS-Trust URIs as their 1.3 equivalents ("{wst2005}/X" ->
// "{wst13}/X"); anything else unchanged.
std::string To13(absl::string_view uri) {
  if (absl::StartsWith(uri, kWst2005Namespace)) {
    return absl::StrCat(kWst13Namespace, uri.substr(kWst2005Namespace.size()));
  }
  return std::string(uri);
}

std::string Text(const xmlNode* node) { return std::string(absl::StripAsciiWhitespace(TextOf(node))); }

// The first child in `ns` named `name`, or null; refuses two.
absl::StatusOr<const xmlNode*> One(const xmlNode* parent, absl::string_view ns,
                                   absl::string_view name) {
  const xmlNode* found = nullptr;
  for (xmlNode* c : ChildElements(parent)) {
    if (!IsElement(c, ns, name)) continue;
    if (found != nullptr) {
      return Refuse(Refusal::kMalformedRequest, absl::StrCat("more than one wst:", name));
    }
    found = c;
  }
  return found;
}

absl::StatusOr<sts::v1::SecurityContextToken> Target(const xmlNode* holder) {
  std::vector<xmlNode*> children = ChildElements(holder);
  if (children.size() != 1) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("wst:", LocalName(holder), " must hold one token or reference"));
  }
  if (IsSecurityContextToken(children[0])) {
    absl::StatusOr<sts::v1::SecurityContextToken> t = ReadSecurityContextToken(children[0]);
    if (!t.ok()) return Refuse(Refusal::kMalformedRequest, t.status().message());
    return t;
  }
  absl::StatusOr<TokenReference> ref = ReadSecurityTokenReference(children[0]);
  if (!ref.ok()) return Refuse(Refusal::kMalformedRequest, ref.status().message());
  if (absl::StartsWith(ref->uri, "#")) {
    return Refuse(Refusal::kMalformedRequest,
                  "a target must be the SCT itself or a reference by its Identifier");
  }
  sts::v1::SecurityContextToken t;
  t.set_identifier(ref->uri);
  t.set_instance(ref->instance);
  return t;
}

absl::StatusOr<google::protobuf::Duration> LifetimeOf(const xmlNode* lifetime, const Clock* clock) {
  absl::StatusOr<const xmlNode*> created = One(lifetime, kWsuNamespace, "Created");
  absl::StatusOr<const xmlNode*> expires = One(lifetime, kWsuNamespace, "Expires");
  if (!created.ok()) return created.status();
  if (!expires.ok()) return expires.status();
  if (*expires == nullptr) return Refuse(Refusal::kMalformedRequest, "wst:Lifetime has no wsu:Expires");
  absl::StatusOr<absl::Time> end = ParseWsuTime(TextOf(*expires));
  if (!end.ok()) return Refuse(Refusal::kMalformedRequest, end.status().message());
  absl::Time start = clock->Now();
  if (*created != nullptr) {
    absl::StatusOr<absl::Time> c = ParseWsuTime(TextOf(*created));
    if (!c.ok()) return Refuse(Refusal::kMalformedRequest, c.status().message());
    start = *c;
  }
  if (*end <= start) return Refuse(Refusal::kMalformedRequest, "wst:Lifetime ends before it starts");
  google::protobuf::Duration d;
  d.set_seconds(absl::ToInt64Seconds(*end - start));
  return d;
}

}  // namespace

absl::StatusOr<RequestSecurityToken> ParseRequestSecurityToken(absl::string_view xml,
                                                               const Clock* clock,
                                                               const ParseLimits& limits) {
  if (clock == nullptr) clock = Clock::Real();
  absl::StatusOr<Document> doc = ParseHardened(xml, limits);
  if (!doc.ok()) {
    std::optional<sts::v1::Fault> fault = wire::FaultOf(doc.status());
    return Refuse(Refusal::kMalformedRequest,
                  fault.has_value() ? fault->reason() : doc.status().message());
  }
  const xmlNode* rst = xmlDocGetRootElement(doc->get());
  if (IsElement(rst, kSoap11Namespace, "Envelope") || IsElement(rst, kSoap12Namespace, "Envelope")) {
    const xmlNode* body = nullptr;
    for (xmlNode* c : ChildElements(rst)) {
      if (IsElement(c, NamespaceOf(rst), "Body")) body = c;
    }
    std::vector<xmlNode*> content = body == nullptr ? std::vector<xmlNode*>() : ChildElements(body);
    rst = content.empty() ? nullptr : content.front();
  }
  const absl::string_view ns = NamespaceOf(rst);
  if (!(IsElement(rst, kWst13Namespace, "RequestSecurityToken") ||
        IsElement(rst, kWst2005Namespace, "RequestSecurityToken"))) {
    return Refuse(Refusal::kMalformedRequest, "the document is not a wst:RequestSecurityToken");
  }
  // Every element the bindings read, each at most once.
  std::map<std::string, const xmlNode*> fields;
  for (const char* name : {"TokenType", "RequestType", "Lifetime", "KeySize", "KeyType", "Entropy",
                           "ComputedKeyAlgorithm", "RenewTarget", "CancelTarget", "ValidateTarget"}) {
    absl::StatusOr<const xmlNode*> f = One(rst, ns, name);
    if (!f.ok()) return f.status();
    if (*f != nullptr) fields[name] = *f;
  }
  auto text = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : Text(it->second);
  };
  const std::string context = AttributeOf(rst, "", "Context");
  const std::string request_type = To13(text("RequestType"));
  std::string applies_to;
  for (xmlNode* c : ChildElements(rst)) {
    if (!IsElement(c, kWspNamespace, "AppliesTo") && !IsElement(c, kWsp15Namespace, "AppliesTo")) continue;
    for (xmlNode* epr : ChildElements(c)) {
      for (xmlNode* a : ChildElements(epr)) {
        if (IsElement(a, kWsaNamespace, "Address") || IsElement(a, kWsa2004Namespace, "Address")) {
          applies_to = Text(a);
        }
      }
    }
  }
  uint32_t key_size = 0;
  if (const std::string ks = text("KeySize"); !ks.empty() && !absl::SimpleAtoi(ks, &key_size)) {
    return Refuse(Refusal::kMalformedRequest, "wst:KeySize is not a number");
  }
  sts::v1::Entropy entropy;
  bool has_entropy = false;
  if (auto it = fields.find("Entropy"); it != fields.end()) {
    absl::StatusOr<const xmlNode*> secret = One(it->second, ns, "BinarySecret");
    if (!secret.ok()) return secret.status();
    if (*secret == nullptr) {
      return Refuse(Refusal::kMalformedRequest, "only wst:Entropy/wst:BinarySecret is supported");
    }
    std::string value;
    if (!absl::Base64Unescape(Text(*secret), &value)) {
      return Refuse(Refusal::kMalformedRequest, "wst:BinarySecret is not base64");
    }
    entropy.mutable_binary_secret()->set_value(value);
    entropy.mutable_binary_secret()->set_type(To13(AttributeOf(*secret, "", "Type")));
    has_entropy = true;
  }
  google::protobuf::Duration lifetime;
  bool has_lifetime = false;
  if (auto it = fields.find("Lifetime"); it != fields.end()) {
    absl::StatusOr<google::protobuf::Duration> d = LifetimeOf(it->second, clock);
    if (!d.ok()) return d.status();
    lifetime = *d;
    has_lifetime = true;
  }
  auto target = [&](const char* name) -> absl::StatusOr<sts::v1::SecurityContextToken> {
    auto it = fields.find(name);
    if (it == fields.end()) {
      return Refuse(Refusal::kMalformedRequest, absl::StrCat("the request has no wst:", name));
    }
    return Target(it->second);
  };

  if (request_type == wire::kRequestTypeIssue) {
    sts::v1::IssueRequest r;
    r.set_context(context);
    r.set_token_type(text("TokenType"));
    r.set_request_type(request_type);
    r.set_applies_to(applies_to);
    if (has_lifetime) *r.mutable_lifetime() = lifetime;
    r.set_key_size(key_size);
    r.set_key_type(To13(text("KeyType")));
    if (has_entropy) *r.mutable_entropy() = entropy;
    r.set_computed_key_algorithm(To13(text("ComputedKeyAlgorithm")));
    return r;
  }
  if (request_type == wire::kRequestTypeRenew) {
    absl::StatusOr<sts::v1::SecurityContextToken> t = target("RenewTarget");
    if (!t.ok()) return t.status();
    sts::v1::RenewRequest r;
    r.set_context(context);
    r.set_request_type(request_type);
    *r.mutable_renew_target() = *t;
    if (has_lifetime) *r.mutable_lifetime() = lifetime;
    r.set_key_size(key_size);
    if (has_entropy) *r.mutable_entropy() = entropy;
    r.set_computed_key_algorithm(To13(text("ComputedKeyAlgorithm")));
    return r;
  }
  if (request_type == wire::kRequestTypeCancel) {
    absl::StatusOr<sts::v1::SecurityContextToken> t = target("CancelTarget");
    if (!t.ok()) return t.status();
    sts::v1::CancelRequest r;
    r.set_context(context);
    r.set_request_type(request_type);
    *r.mutable_cancel_target() = *t;
    return r;
  }
  if (request_type == wire::kRequestTypeValidate) {
    absl::StatusOr<sts::v1::SecurityContextToken> t = target("ValidateTarget");
    if (!t.ok()) return t.status();
    sts::v1::ValidateRequest r;
    r.set_context(context);
    r.set_request_type(request_type);
    r.set_token_type(To13(text("TokenType")));
    *r.mutable_validate_target() = *t;
    return r;
  }
  return Refuse(Refusal::kMalformedRequest,
                absl::StrCat("unsupported wst:RequestType \"", request_type.substr(0, 128), "\""));
}

}  // namespace sts::soap
