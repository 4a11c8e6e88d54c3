// Sign and Encrypt (soap.h): the builders of header_builders.h, composed.
#include "absl/strings/str_cat.h"
#include "client/soap/envelope.h"
#include "client/soap/header_builders.h"
#include "client/soap/namespaces.h"
#include "client/soap/soap.h"
#include "client/soap/xml.h"
#include "client/soap/xmlsec_support.h"
#include "client/wire/fault.h"

namespace sts::soap {
namespace {

absl::StatusOr<Document> Open(absl::string_view envelope, const ParseLimits& limits,
                              OutgoingMessage* message) {
  if (absl::Status s = InitXmlSec(); !s.ok()) return s;
  absl::StatusOr<Document> doc = ParseHardened(envelope, limits);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<Envelope> e = FindEnvelope(doc->get());
  if (!e.ok()) return e.status();
  absl::StatusOr<IdIndex> ids = IdIndex::Build(doc->get());
  if (!ids.ok()) return ids.status();
  message->doc = doc->get();
  message->envelope = *e;
  absl::StatusOr<xmlNode*> security = SenderSecurityHeader(message->envelope);
  if (!security.ok()) return security.status();
  message->security = *security;
  return doc;
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> SendingKeys(
    const context::SecurityContext& context, const Clock* clock) {
  std::shared_ptr<const protect::InstanceKeys> keys = context.current_keys();
  if (keys == nullptr) {
    return wire::Refuse(wire::Refusal::kCancelledContext, "the context was cancelled");
  }
  if (clock->Now() >= context.expires()) {
    return wire::Refuse(wire::Refusal::kRenewNeeded, "the context has expired; renew it");
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::string> Sign(absl::string_view envelope, const protect::InstanceKeys& keys,
                                 const SignOptions& options) {
  OutgoingMessage m;
  absl::StatusOr<Document> doc = Open(envelope, options.limits, &m);
  if (!doc.ok()) return doc.status();
  const SuiteAlgorithms& suite = AlgorithmsOf(options.suite);
  const Clock* clock = options.clock == nullptr ? Clock::Real() : options.clock;

  absl::StatusOr<std::string> timestamp_id =
      TimestampBuilder(clock->Now(), options.timestamp_ttl).Build(m);
  if (!timestamp_id.ok()) return timestamp_id.status();
  absl::StatusOr<TokenReference> source =
      SecurityContextTokenBuilder(keys, options.sct_reference).Build(m);
  if (!source.ok()) return source.status();
  xmlNode* before = GroupInsertionPoint(m.security);
  DerivedKeyTokenBuilder derived(keys, suite.signature_key_length, options.generation);
  if (absl::Status s = derived.Build(m, *source, before); !s.ok()) return s;
  absl::StatusOr<std::string> body_id = EnsureWsuId(m.envelope.body, "Body");
  if (!body_id.ok()) return body_id.status();
  if (absl::Status s = SignatureBuilder(suite).Build(m, {*body_id, *timestamp_id}, derived.id(),
                                                     derived.key(), before);
      !s.ok()) {
    return s;
  }
  return Serialize(doc->get());
}

absl::StatusOr<std::string> Encrypt(absl::string_view envelope, const protect::InstanceKeys& keys,
                                    const EncryptOptions& options) {
  OutgoingMessage m;
  absl::StatusOr<Document> doc = Open(envelope, options.limits, &m);
  if (!doc.ok()) return doc.status();
  const SuiteAlgorithms& suite = AlgorithmsOf(options.suite);
  absl::StatusOr<TokenReference> source =
      SecurityContextTokenBuilder(keys, options.sct_reference).Build(m);
  if (!source.ok()) return source.status();
  xmlNode* before = GroupInsertionPoint(m.security);
  DerivedKeyTokenBuilder derived(keys, suite.encryption_key_length, options.generation);
  if (absl::Status s = derived.Build(m, *source, before); !s.ok()) return s;
  const absl::string_view algorithm =
      options.cipher == BodyCipher::kAes256Gcm ? kAes256Gcm : suite.encryption;
  if (absl::Status s = EncryptedBodyBuilder(algorithm).Build(m, derived.id(), derived.key(), before);
      !s.ok()) {
    return s;
  }
  return Serialize(doc->get());
}

absl::StatusOr<std::string> Sign(absl::string_view envelope, const context::SecurityContext& context,
                                 const SignOptions& options) {
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys =
      SendingKeys(context, options.clock == nullptr ? Clock::Real() : options.clock);
  if (!keys.ok()) return keys.status();
  return Sign(envelope, **keys, options);
}

absl::StatusOr<std::string> Encrypt(absl::string_view envelope,
                                    const context::SecurityContext& context,
                                    const EncryptOptions& options) {
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys =
      SendingKeys(context, options.clock == nullptr ? Clock::Real() : options.clock);
  if (!keys.ok()) return keys.status();
  return Encrypt(envelope, **keys, options);
}

}  // namespace sts::soap
