// Receiver (soap.h): the wsse:Security header processed top-down, each
// element checked before anything of it is used, every signature checked
// against what xmlsec reports it processed.
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/derived_key.h"
#include "client/soap/envelope.h"
#include "client/soap/fault.h"
#include "client/soap/namespaces.h"
#include "client/soap/soap.h"
#include "client/soap/token_xml.h"
#include "client/soap/wsu_time.h"
#include "client/soap/xml.h"
#include "client/soap/xmlsec_support.h"

namespace sts::soap {
namespace {

absl::Status Refuse(SoapFault fault, absl::string_view reason) { return SoapRefuse(fault, reason); }

std::string QName(const xmlNode* node) {
  const char* prefix =
      node->ns != nullptr && node->ns->prefix != nullptr ? reinterpret_cast<const char*>(node->ns->prefix) : nullptr;
  return prefix == nullptr ? std::string(LocalName(node)) : absl::StrCat(prefix, ":", LocalName(node));
}

// "#" followed by an XML NCName-like bare name: no XPointer, no other document.
bool IsBareNameReference(absl::string_view uri) {
  if (uri.size() < 2 || uri.size() > 256 || uri[0] != '#') return false;
  for (char c : uri.substr(1)) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || static_cast<unsigned char>(c) >= 0x80)) {
      return false;
    }
  }
  return !absl::ascii_isdigit(uri[1]) && uri[1] != '-' && uri[1] != '.';
}

// An element with exactly the children named, in order; Algorithm attribute read by callers.
absl::Status ExpectNoChildren(const xmlNode* node, absl::string_view what) {
  if (!ChildElements(node).empty() || HasNonBlankText(node)) {
    return Refuse(SoapFault::kInvalidSecurity, absl::StrCat(what, " must be empty"));
  }
  return absl::OkStatus();
}

// Exclusive C14N (CanonicalizationMethod or Transform): its Algorithm, and
// at most an ec:InclusiveNamespaces child.
absl::Status CheckExcC14n(const xmlNode* node, absl::string_view what) {
  const std::string algorithm = AttributeOf(node, "", "Algorithm");
  if (algorithm != kExcC14n) {
    return Refuse(SoapFault::kUnsupportedAlgorithm,
                  absl::StrCat(what, " \"", algorithm.substr(0, 128),
                               "\" is not exclusive C14N, the only one accepted"));
  }
  std::vector<xmlNode*> children = ChildElements(node);
  if (children.size() > 1 ||
      (children.size() == 1 && !IsElement(children[0], kExcC14n, "InclusiveNamespaces"))) {
    return Refuse(SoapFault::kInvalidSecurity, absl::StrCat(what, " has unexpected content"));
  }
  return absl::OkStatus();
}

// One key, derived for one use.
struct ResolvedKey {
  std::shared_ptr<const protect::InstanceKeys> keys;
  crypto::SecretBytes derived;
  DerivedKeyUse use;
};

class Processing {
 public:
  Processing(SctKeyResolver& resolver, const ReceiverOptions& options, xmlDoc* doc, Envelope e,
             xmlNode* security)
      : resolver_(resolver), options_(options), suite_(AlgorithmsOf(options.suite)), doc_(doc),
        e_(e), security_(security) {}

  absl::Status Run() {
    absl::StatusOr<IdIndex> ids = IdIndex::Build(doc_);
    if (!ids.ok()) return ids.status();
    ids_ = *std::move(ids);
    std::vector<xmlNode*> children = ChildElements(security_);
    if (children.size() > options_.max_header_elements) {
      return Refuse(SoapFault::kInvalidSecurity,
                    absl::StrCat("the security header has more than ",
                                 options_.max_header_elements, " elements"));
    }
    if (HasNonBlankText(security_)) {
      return Refuse(SoapFault::kInvalidSecurity, "the security header has text content");
    }
    // The Timestamp first, wherever it is (WSS4J puts it last): a stale
    // message is refused before any key is looked up, and a signature may
    // reference it from anywhere in the header.
    for (xmlNode* child : children) {
      if (!IsElement(child, kWsuNamespace, "Timestamp")) continue;
      if (absl::Status s = OnTimestamp(child); !s.ok()) return s;
      results_.processed.push_back("Timestamp");
    }
    for (xmlNode* child : children) {
      absl::Status s;
      if (IsElement(child, kWsuNamespace, "Timestamp")) {
        continue;
      } else if (IsSecurityContextToken(child)) {
        s = OnSecurityContextToken(child);
        results_.processed.push_back("SecurityContextToken");
      } else if (IsDerivedKeyToken(child)) {
        s = OnDerivedKeyToken(child);
        results_.processed.push_back("DerivedKeyToken");
      } else if (IsElement(child, kDsNamespace, "Signature")) {
        s = OnSignature(child);
        results_.processed.push_back("Signature");
      } else if (IsElement(child, kXencNamespace, "ReferenceList")) {
        s = OnReferenceList(child);
        results_.processed.push_back("ReferenceList");
      } else {
        s = Refuse(SoapFault::kUnsupportedSecurityToken,
                   absl::StrCat("<", QName(child), "> in the security header is not supported"));
      }
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  SecurityResults& results() { return results_; }
  const std::string& signature_value() const { return signature_value_; }
  std::shared_ptr<const protect::ContextInfo> context() const { return context_; }

 private:
  absl::Status OnTimestamp(xmlNode* node) {
    if (timestamp_ != nullptr) {
      return Refuse(SoapFault::kInvalidSecurity, "the security header has more than one Timestamp");
    }
    timestamp_ = node;
    std::vector<xmlNode*> children = ChildElements(node);
    if (children.empty() || children.size() > 2 || !IsElement(children[0], kWsuNamespace, "Created") ||
        (children.size() == 2 && !IsElement(children[1], kWsuNamespace, "Expires"))) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "a wsu:Timestamp holds wsu:Created and an optional wsu:Expires, in that order");
    }
    absl::StatusOr<absl::Time> created = ParseWsuTime(TextOf(children[0]));
    if (!created.ok()) return Refuse(SoapFault::kInvalidSecurity, created.status().message());
    TimestampResult result{*created, std::nullopt};
    if (children.size() == 2) {
      absl::StatusOr<absl::Time> expires = ParseWsuTime(TextOf(children[1]));
      if (!expires.ok()) return Refuse(SoapFault::kInvalidSecurity, expires.status().message());
      if (*expires < *created) {
        return Refuse(SoapFault::kInvalidSecurity, "the Timestamp expires before it was created");
      }
      result.expires = *expires;
    }
    // Checked before any key is looked up: a stale message costs nothing.
    const absl::Time now = options_.clock->Now();
    const absl::Duration window = options_.timestamp_window;
    if (*created > now + window) {
      return Refuse(SoapFault::kMessageExpired,
                    "the Timestamp was created in the future, beyond the accepted clock skew");
    }
    if (now - *created > window) {
      return Refuse(SoapFault::kMessageExpired,
                    "the Timestamp was created longer ago than the accepted window");
    }
    if (result.expires.has_value() && now > *result.expires + window) {
      return Refuse(SoapFault::kMessageExpired, "the message has expired (wsu:Expires)");
    }
    results_.timestamp = result;
    return absl::OkStatus();
  }

  absl::Status OnSecurityContextToken(xmlNode* node) {
    absl::StatusOr<sts::v1::SecurityContextToken> token = ReadSecurityContextToken(node);
    if (!token.ok()) return token.status();
    // Without a wsu:Id it can only be referenced by its Identifier.
    scts_[node] = *std::move(token);
    return absl::OkStatus();
  }

  absl::Status OnDerivedKeyToken(xmlNode* node) {
    if (AttributeOf(node, kWsuNamespace, "Id").empty()) {
      return Refuse(SoapFault::kInvalidSecurityToken, "a DerivedKeyToken needs a wsu:Id");
    }
    dkts_.insert(node);  // read (and bounded) when a signature or EncryptedData uses it
    return absl::OkStatus();
  }

  // The element a "#id" in a KeyInfo names: a DerivedKeyToken of this header
  // already processed (tokens precede their uses).
  absl::StatusOr<ResolvedKey> KeyFor(const xmlNode* key_info, uint32_t length) {
    std::vector<xmlNode*> children = ChildElements(key_info);
    if (children.size() != 1) {
      return Refuse(SoapFault::kUnsupportedSecurityToken,
                    "a KeyInfo must hold exactly one wsse:SecurityTokenReference");
    }
    absl::StatusOr<TokenReference> ref = ReadSecurityTokenReference(children[0]);
    if (!ref.ok()) return ref.status();
    xmlNode* dkt = IsBareNameReference(ref->uri) ? ids_.Find(ref->uri.substr(1)) : nullptr;
    if (dkt == nullptr || dkts_.count(dkt) == 0) {
      return Refuse(SoapFault::kUnsupportedSecurityToken,
                    "the key must be a wsc:DerivedKeyToken earlier in this security header");
    }
    if (!ref->value_type.empty() && ref->value_type != kDkValueType13 &&
        ref->value_type != kDkValueType2005) {
      return Refuse(SoapFault::kUnsupportedSecurityToken, "the key reference's ValueType is not dk");
    }
    absl::StatusOr<DerivedKeyTokenXml> parsed =
        ReadDerivedKeyToken(dkt, {length, options_.max_derived_key_start});
    if (!parsed.ok()) return parsed.status();
    // The context it is derived from: an SCT of this header, or an Identifier.
    sts::v1::SecurityContextToken token;
    bool embedded = false;
    const TokenReference& source = parsed->source;
    if (!source.value_type.empty() && source.value_type != kSctValueType13 &&
        source.value_type != kSctValueType2005) {
      return Refuse(SoapFault::kUnsupportedSecurityToken,
                    "a DerivedKeyToken must be derived from a SecurityContextToken");
    }
    if (absl::StartsWith(source.uri, "#")) {
      xmlNode* sct = IsBareNameReference(source.uri) ? ids_.Find(source.uri.substr(1)) : nullptr;
      auto it = sct == nullptr ? scts_.end() : scts_.find(sct);
      if (it == scts_.end()) {
        return Refuse(SoapFault::kUnknownDerivationSource,
                      "the DerivedKeyToken names no SecurityContextToken earlier in this header");
      }
      token = it->second;
      embedded = true;
    } else {
      token.set_identifier(source.uri);
      token.set_instance(source.instance);
    }
    absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys = resolver_.Resolve(token);
    if (!keys.ok()) return SoapRefusalOfResolver(keys.status());
    if ((*keys)->identifier() != token.identifier()) {
      return Refuse(SoapFault::kUnknownDerivationSource, "the resolver answered for another context");
    }
    absl::StatusOr<crypto::SecretBytes> derived =
        protect::DerivePSha1Key((*keys)->context_key(), parsed->params);
    if (!derived.ok()) return Refuse(SoapFault::kInvalidSecurityToken, derived.status().message());
    if (context_ == nullptr) {
      context_ = (*keys)->shared_info();
    } else if (context_->identifier != (*keys)->identifier()) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "one message may use the keys of one security context only");
    }
    ResolvedKey out;
    out.keys = *keys;
    out.derived = *std::move(derived);
    out.use.source.set_identifier((*keys)->identifier());
    out.use.source.set_instance((*keys)->instance());
    out.use.length = parsed->params.length;
    out.use.start = parsed->params.generation.has_value()
                        ? *parsed->params.generation * parsed->params.length
                        : parsed->params.offset;
    out.use.embedded_token = embedded;
    return out;
  }

  // What a signature may cover: the Envelope's Body, this header's
  // Timestamp, or another top-level header block.
  absl::Status CheckTarget(const xmlNode* target) {
    if (target == e_.body || (target == timestamp_ && target != nullptr)) return absl::OkStatus();
    if (target != nullptr && target->parent == e_.header && target != security_) {
      return absl::OkStatus();
    }
    return Refuse(SoapFault::kInvalidSecurity,
                  "a signature reference names an element that is neither the Envelope's Body, "
                  "the security header's Timestamp nor a top-level header block");
  }

  absl::Status OnSignature(xmlNode* sig) {
    if (signature_seen_) {
      return Refuse(SoapFault::kInvalidSecurity, "more than one signature in the security header");
    }
    signature_seen_ = true;
    std::vector<xmlNode*> parts = ChildElements(sig);
    if (parts.size() != 3 || !IsElement(parts[0], kDsNamespace, "SignedInfo") ||
        !IsElement(parts[1], kDsNamespace, "SignatureValue") ||
        !IsElement(parts[2], kDsNamespace, "KeyInfo")) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "a signature holds SignedInfo, SignatureValue and KeyInfo only (no Object, "
                    "no Manifest)");
    }
    std::vector<xmlNode*> info = ChildElements(parts[0]);
    if (info.size() < 3 || !IsElement(info[0], kDsNamespace, "CanonicalizationMethod") ||
        !IsElement(info[1], kDsNamespace, "SignatureMethod")) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "SignedInfo holds CanonicalizationMethod, SignatureMethod, then References");
    }
    if (absl::Status s = CheckExcC14n(info[0], "CanonicalizationMethod"); !s.ok()) return s;
    const std::string method = AttributeOf(info[1], "", "Algorithm");
    for (xmlNode* c : ChildElements(info[1])) {
      if (LocalName(c) == "HMACOutputLength") {
        return Refuse(SoapFault::kUnsupportedAlgorithm,
                      "HMACOutputLength (a truncated HMAC) is refused");
      }
    }
    if (absl::Status s = ExpectNoChildren(info[1], "SignatureMethod"); !s.ok()) return s;
    if (method != suite_.signature_method) {
      return Refuse(SoapFault::kUnsupportedAlgorithm,
                    absl::StrCat("signature method \"", method.substr(0, 128), "\" is not the ",
                                 suite_.signature_method, " the ", suite_.name, " suite requires"));
    }
    const size_t references = info.size() - 2;
    if (references > options_.max_references) {
      return Refuse(SoapFault::kInvalidSecurity,
                    absl::StrCat("a signature with more than ", options_.max_references,
                                 " references is refused"));
    }
    SignatureResult result;
    result.suite = options_.suite;
    result.signature_method = method;
    result.digest_method = std::string(suite_.digest_method);
    std::vector<std::string> uris;
    std::set<const xmlNode*> targets;
    for (size_t i = 2; i < info.size(); ++i) {
      xmlNode* ref = info[i];
      if (!IsElement(ref, kDsNamespace, "Reference")) {
        return Refuse(SoapFault::kInvalidSecurity, "SignedInfo holds an element that is no Reference");
      }
      bool has_uri = false;
      const std::string uri = AttributeOf(ref, "", "URI", &has_uri);
      if (!has_uri || !IsBareNameReference(uri)) {
        return Refuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("reference URI \"", uri.substr(0, 128),
                                   "\" is refused: only same-document #Id references (no "
                                   "XPointer, no whole document, no other document)"));
      }
      xmlNode* target = ids_.Find(absl::string_view(uri).substr(1));
      if (target == nullptr) {
        return Refuse(SoapFault::kInvalidSecurity,
                      absl::StrCat("reference ", uri.substr(0, 128), " names no element of the envelope"));
      }
      if (absl::Status s = CheckTarget(target); !s.ok()) return s;
      if (!targets.insert(target).second) {
        return Refuse(SoapFault::kInvalidSecurity, "two references name the same element");
      }
      std::vector<xmlNode*> rc = ChildElements(ref);
      if (rc.size() != 3 || !IsElement(rc[0], kDsNamespace, "Transforms") ||
          !IsElement(rc[1], kDsNamespace, "DigestMethod") ||
          !IsElement(rc[2], kDsNamespace, "DigestValue")) {
        return Refuse(SoapFault::kInvalidSecurity,
                      "a Reference holds Transforms, DigestMethod and DigestValue");
      }
      std::vector<xmlNode*> transforms = ChildElements(rc[0]);
      if (transforms.size() != 1 || !IsElement(transforms[0], kDsNamespace, "Transform")) {
        return Refuse(SoapFault::kUnsupportedAlgorithm,
                      "a Reference must have exactly one transform, exclusive C14N");
      }
      if (absl::Status s = CheckExcC14n(transforms[0], "Transform"); !s.ok()) return s;
      const std::string digest = AttributeOf(rc[1], "", "Algorithm");
      if (digest != suite_.digest_method) {
        return Refuse(SoapFault::kUnsupportedAlgorithm,
                      absl::StrCat("digest method \"", digest.substr(0, 128), "\" is not the ",
                                   suite_.digest_method, " the ", suite_.name, " suite requires"));
      }
      if (absl::Status s = ExpectNoChildren(rc[1], "DigestMethod"); !s.ok()) return s;
      uris.push_back(uri);
      result.signed_ids.push_back(uri.substr(1));
      result.signed_elements.push_back(QName(target));
      if (target == e_.body) result.body_signed = true;
      if (target == timestamp_) result.timestamp_signed = true;
    }
    absl::StatusOr<ResolvedKey> key = KeyFor(parts[2], suite_.signature_key_length);
    if (!key.ok()) return key.status();
    result.key = key->use;

    ClearXmlSecError();
    absl::StatusOr<XmlSecKey> hmac = HmacKey(key->derived.span());
    if (!hmac.ok()) return hmac.status();
    DSigContext ctx(xmlSecDSigCtxCreate(nullptr));
    if (ctx == nullptr) return absl::InternalError("cannot create a signature context");
    const xmlSecTransformId sign_id = TransformOf(suite_.signature_method);
    const xmlSecTransformId digest_id = TransformOf(suite_.digest_method);
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx.get(), digest_id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx.get(), sign_id) < 0) {
      return absl::InternalError("cannot restrict the signature context's transforms");
    }
    ctx->signKey = hmac->release();
    if (xmlSecDSigCtxVerify(ctx.get(), sig) < 0) {
      return Refuse(SoapFault::kFailedCheck,
                    absl::StrCat("the signature could not be checked: ", LastXmlSecError()));
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
      return Refuse(SoapFault::kFailedCheck, "the signature does not verify");
    }
    // What xmlsec did must be what was checked above, reference by reference.
    if (ctx->signMethod == nullptr || ctx->signMethod->id != sign_id || ctx->c14nMethod == nullptr ||
        ctx->c14nMethod->id != xmlSecTransformExclC14NId ||
        xmlSecPtrListGetSize(&ctx->signedInfoReferences) != uris.size()) {
      return Refuse(SoapFault::kFailedCheck, "the signature was processed otherwise than checked");
    }
    for (size_t i = 0; i < uris.size(); ++i) {
      auto* rc = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
      if (rc == nullptr || rc->status != xmlSecDSigStatusSucceeded || rc->digestMethod == nullptr ||
          rc->digestMethod->id != digest_id || rc->uri == nullptr ||
          uris[i] != reinterpret_cast<const char*>(rc->uri)) {
        return Refuse(SoapFault::kFailedCheck, "a reference was processed otherwise than checked");
      }
    }
    signature_value_ = absl::StrCat(key->use.source.identifier(), " ",
                                    std::string(absl::StripAsciiWhitespace(TextOf(parts[1]))));
    signed_.insert(targets.begin(), targets.end());
    results_.signatures.push_back(std::move(result));
    return absl::OkStatus();
  }

  absl::Status OnReferenceList(xmlNode* list) {
    std::vector<xmlNode*> refs = ChildElements(list);
    if (refs.empty() || refs.size() > 4) {
      return Refuse(SoapFault::kInvalidSecurity, "a ReferenceList holds 1 to 4 DataReferences");
    }
    for (xmlNode* ref : refs) {
      if (!IsElement(ref, kXencNamespace, "DataReference")) {
        return Refuse(SoapFault::kUnsupportedSecurityToken,
                      "a ReferenceList may hold DataReferences only (no EncryptedKey)");
      }
      const std::string uri = AttributeOf(ref, "", "URI");
      xmlNode* data = IsBareNameReference(uri) ? ids_.Find(absl::string_view(uri).substr(1)) : nullptr;
      if (data == nullptr || !IsElement(data, kXencNamespace, "EncryptedData")) {
        return Refuse(SoapFault::kInvalidSecurity,
                      "a DataReference names no xenc:EncryptedData of the envelope");
      }
      if (absl::Status s = DecryptBodyContent(data, uri.substr(1)); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status DecryptBodyContent(xmlNode* data, const std::string& id) {
    if (data->parent != e_.body || ChildElements(e_.body).size() != 1 || HasNonBlankText(e_.body)) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "only the Body's whole content may be encrypted (one EncryptedData, the "
                    "Body's only child)");
    }
    if (AttributeOf(data, "", "Type") != kEncTypeContent) {
      return Refuse(SoapFault::kInvalidSecurity, "the EncryptedData must be of Type #Content");
    }
    std::vector<xmlNode*> parts = ChildElements(data);
    if (parts.size() != 3 || !IsElement(parts[0], kXencNamespace, "EncryptionMethod") ||
        !IsElement(parts[1], kDsNamespace, "KeyInfo") ||
        !IsElement(parts[2], kXencNamespace, "CipherData")) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "an EncryptedData holds EncryptionMethod, KeyInfo and CipherData only");
    }
    const std::string algorithm = AttributeOf(parts[0], "", "Algorithm");
    const bool allowed = algorithm == suite_.encryption ||
                         (options_.accept_aes_gcm && algorithm == kAes256Gcm);
    if (!allowed) {
      return Refuse(SoapFault::kUnsupportedAlgorithm,
                    absl::StrCat("encryption method \"", algorithm.substr(0, 128),
                                 "\" is not allowed by the ", suite_.name, " suite"));
    }
    if (absl::Status s = ExpectNoChildren(parts[0], "EncryptionMethod"); !s.ok()) return s;
    std::vector<xmlNode*> cipher = ChildElements(parts[2]);
    if (cipher.size() != 1 || !IsElement(cipher[0], kXencNamespace, "CipherValue")) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "CipherData must hold a CipherValue (no CipherReference)");
    }
    absl::StatusOr<ResolvedKey> key = KeyFor(parts[1], suite_.encryption_key_length);
    if (!key.ok()) return key.status();

    ClearXmlSecError();
    absl::StatusOr<XmlSecKey> aes = AesKey(key->derived.span());
    if (!aes.ok()) return aes.status();
    EncContext ctx(xmlSecEncCtxCreate(nullptr));
    if (ctx == nullptr) return absl::InternalError("cannot create a decryption context");
    if (xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms,
                         const_cast<void*>(static_cast<const void*>(TransformOf(algorithm)))) < 0) {
      return absl::InternalError("cannot restrict the decryption context's transforms");
    }
    ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    ctx->encKey = aes->release();
    // One message for every cipher failure (padding, tag, parse): a
    // receiver must not tell them apart for an attacker.
    if (xmlSecEncCtxDecrypt(ctx.get(), data) < 0 || ctx->result == nullptr) {
      return Refuse(SoapFault::kFailedCheck, "the Body could not be decrypted");
    }
    // The decrypted content is new input: bounds and Ids again.
    if (absl::Status s = CheckLimits(doc_, options_.limits); !s.ok()) return s;
    absl::StatusOr<IdIndex> ids = IdIndex::Build(doc_);
    if (!ids.ok()) return ids.status();
    ids_ = *std::move(ids);
    if (absl::StatusOr<Envelope> again = FindEnvelope(doc_); !again.ok() || again->body != e_.body) {
      return Refuse(SoapFault::kInvalidSecurity, "the decrypted content changed the envelope");
    }
    DecryptionResult result;
    result.algorithm = algorithm;
    result.data_id = id;
    result.body_content = true;
    result.key = key->use;
    body_decrypted_ = true;
    results_.decryptions.push_back(std::move(result));
    return absl::OkStatus();
  }

 public:
  bool signature_seen() const { return signature_seen_; }
  bool body_decrypted() const { return body_decrypted_; }
  bool timestamp_present() const { return timestamp_ != nullptr; }

 private:
  SctKeyResolver& resolver_;
  const ReceiverOptions& options_;
  const SuiteAlgorithms& suite_;
  xmlDoc* const doc_;
  const Envelope e_;
  xmlNode* const security_;
  IdIndex ids_;
  xmlNode* timestamp_ = nullptr;
  std::map<const xmlNode*, sts::v1::SecurityContextToken> scts_;
  std::set<const xmlNode*> dkts_;
  std::set<const xmlNode*> signed_;
  bool signature_seen_ = false;
  bool body_decrypted_ = false;
  std::string signature_value_;
  std::shared_ptr<const protect::ContextInfo> context_;
  SecurityResults results_;
};

}  // namespace

Receiver::Receiver(std::shared_ptr<SctKeyResolver> resolver, ReceiverOptions options)
    : resolver_(std::move(resolver)),
      options_([&] {
        if (options.clock == nullptr) options.clock = Clock::Real();
        return options;
      }()),
      replay_(options_.replay_cache_entries) {}

absl::StatusOr<Received> Receiver::Verify(absl::string_view envelope) {
  return Process(envelope, true, false);
}

absl::StatusOr<Received> Receiver::Decrypt(absl::string_view envelope) {
  return Process(envelope, false, true);
}

absl::StatusOr<Received> Receiver::Process(absl::string_view envelope, bool require_signature,
                                           bool require_encryption) {
  if (absl::Status s = InitXmlSec(); !s.ok()) return s;
  absl::StatusOr<Document> doc = ParseHardened(envelope, options_.limits);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<Envelope> e = FindEnvelope(doc->get());
  if (!e.ok()) return e.status();
  std::vector<xmlNode*> headers = SecurityHeaders(*e);
  if (headers.empty()) return Refuse(SoapFault::kInvalidSecurity, "the envelope has no wsse:Security header");
  if (headers.size() > 1) {
    return Refuse(SoapFault::kInvalidSecurity, "the envelope has more than one wsse:Security header");
  }
  Processing p(*resolver_, options_, doc->get(), *e, headers[0]);
  if (absl::Status s = p.Run(); !s.ok()) return s;
  SecurityResults& results = p.results();
  if (require_signature && !p.signature_seen()) {
    return Refuse(SoapFault::kInvalidSecurity, "the message is not signed");
  }
  if (p.signature_seen()) {
    const SignatureResult& sig = results.signatures.front();
    if (!sig.body_signed) {
      return Refuse(SoapFault::kFailedCheck, "the signature does not cover the SOAP Body");
    }
    if (!p.timestamp_present() || !sig.timestamp_signed) {
      return Refuse(SoapFault::kFailedCheck, "the signature does not cover a wsu:Timestamp");
    }
  }
  if (require_encryption && !p.body_decrypted()) {
    return Refuse(SoapFault::kInvalidSecurity, "the Body is not encrypted");
  }
  for (xmlNode* child : ChildElements(e->body)) {
    if (IsElement(child, kXencNamespace, "EncryptedData")) {
      return Refuse(SoapFault::kInvalidSecurity,
                    "the Body holds an EncryptedData no ReferenceList names");
    }
  }
  if (p.signature_seen()) {
    // Remembered once everything else passed: a forged copy cannot burn a
    // genuine message's place.
    const absl::Time now = options_.clock->Now();
    const absl::Time until = std::max(now, results.timestamp->created) + options_.timestamp_window;
    if (absl::Status s = replay_.Insert(p.signature_value(), until, now); !s.ok()) return s;
    if (p.context() != nullptr) {
      sts::v1::SecurityContextToken accepted;
      accepted.set_identifier(p.context()->identifier);
      accepted.set_instance(results.signatures.front().key.source.instance());
      accepted.set_cookie(p.context()->cookie);
      resolver_->Accepted(accepted);
    }
  }
  Received out;
  for (xmlNode* child = e->body->children; child != nullptr; child = child->next) {
    out.body += SerializeNode(doc->get(), child);
  }
  if (require_encryption || options_.keep_envelope) out.envelope = Serialize(doc->get());
  out.results = std::move(results);
  out.context = p.context();
  return out;
}

}  // namespace sts::soap
