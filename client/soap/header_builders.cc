#include "client/soap/header_builders.h"

#include <xmlsec/templates.h>

#include "absl/strings/str_cat.h"
#include "client/crypto/random.h"
#include "client/protect/derived_key.h"
#include "client/soap/fault.h"
#include "client/soap/namespaces.h"
#include "client/soap/wsu_time.h"
#include "client/soap/xml.h"
#include "client/soap/xmlsec_support.h"

namespace sts::soap {
namespace {

absl::Status XmlSecFailure(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, " failed: ", LastXmlSecError()));
}

// Moves `node` (just appended to `parent`) before `before`.
void MoveBefore(xmlNode* parent, xmlNode* before, xmlNode* node) {
  if (before == nullptr) return;
  xmlUnlinkNode(node);
  InsertBefore(parent, before, node);
}

}  // namespace

absl::StatusOr<std::string> TimestampBuilder::Build(OutgoingMessage& m) const {
  for (xmlNode* child : ChildElements(m.security)) {
    if (IsElement(child, kWsuNamespace, "Timestamp")) {
      return absl::InvalidArgumentError("the security header already has a wsu:Timestamp");
    }
  }
  xmlNode* first = xmlFirstElementChild(m.security);
  xmlNode* ts = NewChild(m.security, kWsuNamespace, "wsu", "Timestamp");
  NewChild(ts, kWsuNamespace, "wsu", "Created", FormatWsuTime(created_));
  NewChild(ts, kWsuNamespace, "wsu", "Expires", FormatWsuTime(created_ + ttl_));
  MoveBefore(m.security, first, ts);
  return EnsureWsuId(ts, "TS");
}

absl::StatusOr<TokenReference> SecurityContextTokenBuilder::Build(OutgoingMessage& m) const {
  if (mode_ == SctReference::kByIdentifier) {
    return TokenReference{keys_.identifier(), std::string(kSctValueType13), keys_.instance()};
  }
  for (xmlNode* child : ChildElements(m.security)) {
    if (!IsSecurityContextToken(child)) continue;
    absl::StatusOr<sts::v1::SecurityContextToken> token = ReadSecurityContextToken(child);
    if (token.ok() && token->identifier() == keys_.identifier() &&
        token->instance() == keys_.instance() && !token->wsu_id().empty()) {
      return TokenReference{absl::StrCat("#", token->wsu_id()), std::string(kSctValueType13), ""};
    }
  }
  absl::StatusOr<std::string> id = NewId("SCT");
  if (!id.ok()) return id.status();
  sts::v1::SecurityContextToken token;
  token.set_identifier(keys_.identifier());
  token.set_instance(keys_.instance());
  token.set_cookie(keys_.info().cookie);
  xmlNode* before = GroupInsertionPoint(m.security);
  xmlNode* sct = AppendSecurityContextToken(m.security, token, *id);
  MoveBefore(m.security, before, sct);
  return TokenReference{absl::StrCat("#", *id), std::string(kSctValueType13), ""};
}

absl::Status DerivedKeyTokenBuilder::Build(OutgoingMessage& m, const TokenReference& source,
                                           xmlNode* before) {
  // The nonce is public (it travels in the DerivedKeyToken), fresh per message.
  protect::DerivedKeyParams params;
  params.nonce.assign(protect::kDefaultDerivedKeyNonceSize, '\0');
  if (absl::Status s = crypto::RandomPublicFill(absl::MakeSpan(
          reinterpret_cast<uint8_t*>(params.nonce.data()), params.nonce.size()));
      !s.ok()) {
    return s;
  }
  params.length = length_;
  params.generation = generation_;
  absl::StatusOr<crypto::SecretBytes> key = protect::DerivePSha1Key(keys_.context_key(), params);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> id = NewId("DK");
  if (!id.ok()) return id.status();
  xmlNode* dkt = AppendDerivedKeyToken(m.security, *id, source, params);
  MoveBefore(m.security, before, dkt);
  id_ = *std::move(id);
  key_ = *std::move(key);
  return absl::OkStatus();
}

absl::Status SignatureBuilder::Build(OutgoingMessage& m, const std::vector<std::string>& ids,
                                     absl::string_view key_id, const crypto::SecretBytes& key,
                                     xmlNode* before) const {
  ClearXmlSecError();
  const xmlSecTransformId sign_id = TransformOf(suite_.signature_method);
  const xmlSecTransformId digest_id = TransformOf(suite_.digest_method);
  xmlNode* sig = xmlSecTmplSignatureCreateNsPref(m.doc, xmlSecTransformExclC14NId, sign_id,
                                                 nullptr, BAD_CAST "ds");
  if (sig == nullptr) return XmlSecFailure("creating the signature template");
  InsertBefore(m.security, before, sig);
  for (const std::string& id : ids) {
    const std::string uri = absl::StrCat("#", id);
    xmlNode* ref = xmlSecTmplSignatureAddReference(sig, digest_id, nullptr, BAD_CAST uri.c_str(),
                                                   nullptr);
    if (ref == nullptr || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == nullptr) {
      return XmlSecFailure("adding a signature reference");
    }
  }
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  if (key_info == nullptr) return XmlSecFailure("adding the signature KeyInfo");
  AppendSecurityTokenReference(key_info, {absl::StrCat("#", key_id), std::string(kDkValueType13), ""});

  absl::StatusOr<IdIndex> index = IdIndex::Build(m.doc);  // registers the new Ids for xmlsec
  if (!index.ok()) return index.status();
  absl::StatusOr<XmlSecKey> hmac = HmacKey(key.span());
  if (!hmac.ok()) return hmac.status();
  DSigContext ctx(xmlSecDSigCtxCreate(nullptr));
  if (ctx == nullptr) return XmlSecFailure("creating a signature context");
  ctx->signKey = hmac->release();
  if (xmlSecDSigCtxSign(ctx.get(), sig) < 0) return XmlSecFailure("signing");
  return absl::OkStatus();
}

absl::Status EncryptedBodyBuilder::Build(OutgoingMessage& m, absl::string_view key_id,
                                         const crypto::SecretBytes& key, xmlNode* before) const {
  ClearXmlSecError();
  if (ChildElements(m.envelope.body).empty() && TextOf(m.envelope.body).empty()) {
    return absl::InvalidArgumentError("the Body is empty: nothing to encrypt");
  }
  for (xmlNode* child : ChildElements(m.envelope.body)) {
    if (IsElement(child, kXencNamespace, "EncryptedData")) {
      return absl::InvalidArgumentError("the Body is already encrypted");
    }
  }
  absl::StatusOr<std::string> id = NewId("ED");
  if (!id.ok()) return id.status();
  xmlNode* data = xmlSecTmplEncDataCreate(m.doc, TransformOf(algorithm_), BAD_CAST id->c_str(),
                                          xmlSecTypeEncContent, nullptr, nullptr);
  if (data == nullptr || xmlSecTmplEncDataEnsureCipherValue(data) == nullptr) {
    if (data != nullptr) xmlFreeNode(data);
    return XmlSecFailure("creating the EncryptedData template");
  }
  xmlNode* key_info = xmlSecTmplEncDataEnsureKeyInfo(data, nullptr);
  if (key_info == nullptr) {
    xmlFreeNode(data);
    return XmlSecFailure("adding the EncryptedData KeyInfo");
  }
  AppendSecurityTokenReference(key_info, {absl::StrCat("#", key_id), std::string(kDkValueType13), ""});

  xmlNode* list = NewChild(m.security, kXencNamespace, "xenc", "ReferenceList");
  xmlNode* ref = NewChild(list, kXencNamespace, "xenc", "DataReference");
  SetAttribute(ref, "URI", absl::StrCat("#", *id));
  MoveBefore(m.security, before, list);

  absl::StatusOr<XmlSecKey> aes = AesKey(key.span());
  if (!aes.ok()) {
    xmlFreeNode(data);
    return aes.status();
  }
  EncContext ctx(xmlSecEncCtxCreate(nullptr));
  if (ctx == nullptr) {
    xmlFreeNode(data);
    return XmlSecFailure("creating an encryption context");
  }
  ctx->encKey = aes->release();
  if (xmlSecEncCtxXmlEncrypt(ctx.get(), data, m.envelope.body) < 0) {
    xmlFreeNode(data);
    return XmlSecFailure("encrypting the Body");
  }
  return absl::OkStatus();
}

}  // namespace sts::soap
