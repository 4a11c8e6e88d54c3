#include "client/soap/token_xml.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/soap/fault.h"
#include "client/soap/namespaces.h"
#include "client/soap/xml.h"

namespace sts::soap {
namespace {

absl::Status Invalid(absl::string_view reason) {
  return SoapRefuse(SoapFault::kInvalidSecurityToken, reason);
}

bool IsWscNamespace(absl::string_view ns) {
  return ns == kWsc13Namespace || ns == kWsc2005Namespace;
}

// An absolute URI: a scheme, then ':' (RFC 3986 section 3.1).
bool IsAbsoluteUri(absl::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == 0 || colon == absl::string_view::npos || !absl::ascii_isalpha(uri[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = uri[i];
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// A plain non-negative decimal (no sign, no spaces inside), as xsd
// unsignedLong/unsignedInt writes it.
absl::StatusOr<uint64_t> ParseDecimal(absl::string_view what, absl::string_view text) {
  const absl::string_view t = absl::StripAsciiWhitespace(text);
  uint64_t value = 0;
  if (t.empty() || t.size() > 20 || !std::all_of(t.begin(), t.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(t, &value)) {
    return Invalid(absl::StrCat("DerivedKeyToken ", what, " \"", absl::CHexEscape(t.substr(0, 24)),
                                "\" is not a non-negative integer in range"));
  }
  return value;
}

}  // namespace

bool IsSecurityContextToken(const xmlNode* node) {
  return IsElement(node, kWsc13Namespace, "SecurityContextToken") ||
         IsElement(node, kWsc2005Namespace, "SecurityContextToken");
}

bool IsDerivedKeyToken(const xmlNode* node) {
  return IsElement(node, kWsc13Namespace, "DerivedKeyToken") ||
         IsElement(node, kWsc2005Namespace, "DerivedKeyToken");
}

xmlNode* AppendSecurityContextToken(xmlNode* parent, const sts::v1::SecurityContextToken& token,
                                    absl::string_view wsu_id) {
  xmlNode* sct = NewChild(parent, kWsc13Namespace, "wsc", "SecurityContextToken");
  if (!wsu_id.empty()) SetNsAttribute(sct, kWsuNamespace, "wsu", "Id", wsu_id);
  NewChild(sct, kWsc13Namespace, "wsc", "Identifier", token.identifier());
  if (!token.instance().empty()) NewChild(sct, kWsc13Namespace, "wsc", "Instance", token.instance());
  if (!token.cookie().empty()) {
    NewChild(sct, kStsNamespace, "sts", "Cookie", absl::Base64Escape(token.cookie()));
  }
  return sct;
}

absl::StatusOr<sts::v1::SecurityContextToken> ReadSecurityContextToken(const xmlNode* sct) {
  if (!IsSecurityContextToken(sct)) return Invalid("not a wsc:SecurityContextToken");
  const absl::string_view ns = NamespaceOf(sct);
  sts::v1::SecurityContextToken token;
  token.set_wsu_id(AttributeOf(sct, kWsuNamespace, "Id"));
  int identifiers = 0;
  int instances = 0;
  int cookies = 0;
  for (xmlNode* child : ChildElements(sct)) {
    if (IsElement(child, ns, "Identifier")) {
      ++identifiers;
      token.set_identifier(std::string(absl::StripAsciiWhitespace(TextOf(child))));
    } else if (IsElement(child, ns, "Instance")) {
      ++instances;
      token.set_instance(std::string(absl::StripAsciiWhitespace(TextOf(child))));
    } else if (IsElement(child, kStsNamespace, "Cookie")) {
      ++cookies;
      std::string cookie;
      if (!absl::Base64Unescape(absl::StripAsciiWhitespace(TextOf(child)), &cookie)) {
        return Invalid("the SecurityContextToken cookie is not base64");
      }
      token.set_cookie(cookie);
    } else if (IsWscNamespace(NamespaceOf(child))) {
      return Invalid(absl::StrCat("unexpected wsc:", LocalName(child),
                                  " in a SecurityContextToken"));
    }
    // Elements of other stacks (e.g. WCF's own cookie) are not ours to read.
  }
  if (identifiers != 1 || instances > 1 || cookies > 1) {
    return Invalid("a SecurityContextToken needs exactly one Identifier, at most one Instance");
  }
  if (!IsAbsoluteUri(token.identifier()) || token.identifier().size() > 1024) {
    return Invalid("the SecurityContextToken Identifier is not an absolute URI");
  }
  if (token.instance().size() > 256) return Invalid("the SecurityContextToken Instance is too long");
  return token;
}

xmlNode* AppendSecurityTokenReference(xmlNode* parent, const TokenReference& reference) {
  xmlNode* str = NewChild(parent, kWsseNamespace, "wsse", "SecurityTokenReference");
  xmlNode* ref = NewChild(str, kWsseNamespace, "wsse", "Reference");
  SetAttribute(ref, "URI", reference.uri);
  if (!reference.value_type.empty()) SetAttribute(ref, "ValueType", reference.value_type);
  if (!reference.instance.empty()) {
    SetNsAttribute(ref, kWsc13Namespace, "wsc", "Instance", reference.instance);
  }
  return str;
}

absl::StatusOr<TokenReference> ReadSecurityTokenReference(const xmlNode* str) {
  if (!IsElement(str, kWsseNamespace, "SecurityTokenReference")) {
    return SoapRefuse(SoapFault::kUnsupportedSecurityToken,
                      "expected a wsse:SecurityTokenReference");
  }
  std::vector<xmlNode*> children = ChildElements(str);
  if (children.size() != 1 || !IsElement(children[0], kWsseNamespace, "Reference")) {
    return SoapRefuse(SoapFault::kUnsupportedSecurityToken,
                      "a SecurityTokenReference must hold exactly one wsse:Reference "
                      "(no KeyIdentifier, Embedded or RetrievalMethod)");
  }
  TokenReference reference;
  bool has_uri = false;
  reference.uri = AttributeOf(children[0], "", "URI", &has_uri);
  reference.value_type = AttributeOf(children[0], "", "ValueType");
  reference.instance = AttributeOf(children[0], kWsc13Namespace, "Instance");
  if (reference.instance.empty()) {
    reference.instance = AttributeOf(children[0], kWsc2005Namespace, "Instance");
  }
  if (!has_uri || reference.uri.empty() || reference.uri.size() > 1024) {
    return Invalid("a wsse:Reference has no URI");
  }
  return reference;
}

xmlNode* AppendDerivedKeyToken(xmlNode* parent, absl::string_view wsu_id,
                               const TokenReference& source,
                               const protect::DerivedKeyParams& params) {
  xmlNode* dkt = NewChild(parent, kWsc13Namespace, "wsc", "DerivedKeyToken");
  SetNsAttribute(dkt, kWsuNamespace, "wsu", "Id", wsu_id);
  AppendSecurityTokenReference(dkt, source);
  if (params.generation.has_value()) {
    NewChild(dkt, kWsc13Namespace, "wsc", "Generation", absl::StrCat(*params.generation));
  } else {
    NewChild(dkt, kWsc13Namespace, "wsc", "Offset", absl::StrCat(params.offset));
  }
  NewChild(dkt, kWsc13Namespace, "wsc", "Length",
           absl::StrCat(params.length == 0 ? protect::kDefaultDerivedKeyLength : params.length));
  if (!params.label.empty()) NewChild(dkt, kWsc13Namespace, "wsc", "Label", params.label);
  NewChild(dkt, kWsc13Namespace, "wsc", "Nonce", absl::Base64Escape(params.nonce));
  return dkt;
}

absl::StatusOr<DerivedKeyTokenXml> ReadDerivedKeyToken(const xmlNode* dkt,
                                                       const DerivedKeyBounds& bounds) {
  if (!IsDerivedKeyToken(dkt)) return Invalid("not a wsc:DerivedKeyToken");
  const absl::string_view ns = NamespaceOf(dkt);
  DerivedKeyTokenXml out;
  out.wsu_id = AttributeOf(dkt, kWsuNamespace, "Id");
  bool has_algorithm = false;
  const std::string algorithm = AttributeOf(dkt, "", "Algorithm", &has_algorithm);
  if (has_algorithm && !protect::IsPSha1(algorithm)) {
    return SoapRefuse(SoapFault::kUnsupportedAlgorithm,
                      absl::StrCat("derived-key algorithm \"", algorithm.substr(0, 128),
                                   "\" is not P_SHA1"));
  }
  const xmlNode* str = nullptr;
  const xmlNode* offset = nullptr;
  const xmlNode* generation = nullptr;
  const xmlNode* length = nullptr;
  const xmlNode* label = nullptr;
  const xmlNode* nonce = nullptr;
  for (xmlNode* child : ChildElements(dkt)) {
    const xmlNode** slot = nullptr;
    if (IsElement(child, kWsseNamespace, "SecurityTokenReference")) slot = &str;
    else if (IsElement(child, ns, "Offset")) slot = &offset;
    else if (IsElement(child, ns, "Generation")) slot = &generation;
    else if (IsElement(child, ns, "Length")) slot = &length;
    else if (IsElement(child, ns, "Label")) slot = &label;
    else if (IsElement(child, ns, "Nonce")) slot = &nonce;
    if (slot == nullptr) {
      return Invalid(absl::StrCat("unexpected <", LocalName(child), "> in a DerivedKeyToken"));
    }
    if (*slot != nullptr) {
      return Invalid(absl::StrCat("more than one ", LocalName(child), " in a DerivedKeyToken"));
    }
    *slot = child;
  }
  if (str == nullptr) {
    return SoapRefuse(SoapFault::kUnsupportedSecurityToken,
                      "a DerivedKeyToken without a SecurityTokenReference has no source we accept");
  }
  absl::StatusOr<TokenReference> source = ReadSecurityTokenReference(str);
  if (!source.ok()) return source.status();
  out.source = *std::move(source);
  if (offset != nullptr && generation != nullptr) {
    return Invalid("a DerivedKeyToken has both an Offset and a Generation");
  }
  uint64_t key_length = protect::kDefaultDerivedKeyLength;
  if (length != nullptr) {
    absl::StatusOr<uint64_t> parsed = ParseDecimal("Length", TextOf(length));
    if (!parsed.ok()) return parsed.status();
    key_length = *parsed;
  }
  if (key_length != bounds.length) {
    return Invalid(absl::StrCat("DerivedKeyToken Length ", key_length, " is not the ",
                                bounds.length, " bytes the algorithm suite defines"));
  }
  out.params.length = static_cast<uint32_t>(key_length);
  if (offset != nullptr) {
    absl::StatusOr<uint64_t> parsed = ParseDecimal("Offset", TextOf(offset));
    if (!parsed.ok()) return parsed.status();
    if (*parsed > bounds.max_start) {
      return Invalid(absl::StrCat("DerivedKeyToken Offset ", *parsed, " is beyond the ",
                                  bounds.max_start, " bytes accepted"));
    }
    out.params.offset = *parsed;
  }
  if (generation != nullptr) {
    absl::StatusOr<uint64_t> parsed = ParseDecimal("Generation", TextOf(generation));
    if (!parsed.ok()) return parsed.status();
    if (*parsed > bounds.max_start / key_length) {
      return Invalid(absl::StrCat("DerivedKeyToken Generation ", *parsed, " starts beyond the ",
                                  bounds.max_start, " bytes accepted"));
    }
    out.params.generation = *parsed;
  }
  if (label != nullptr) {
    out.params.label = TextOf(label);
    if (out.params.label.size() > protect::kMaxDerivedKeyLabelSize) {
      return Invalid("DerivedKeyToken Label longer than 256 bytes");
    }
  }
  if (nonce == nullptr) return Invalid("a DerivedKeyToken has no Nonce");
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(TextOf(nonce)), &out.params.nonce)) {
    return Invalid("DerivedKeyToken Nonce is not base64");
  }
  if (out.params.nonce.size() < protect::kMinDerivedKeyNonceSize ||
      out.params.nonce.size() > protect::kMaxDerivedKeyNonceSize) {
    return Invalid("DerivedKeyToken Nonce must be 16 to 128 bytes");
  }
  return out;
}

}  // namespace sts::soap
