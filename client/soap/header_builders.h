// The sending side's builders, one per wsse:Security element (WSS4J's
// shape): each adds its element to the header at the place WS-Security's
// processing order needs, and Sign/Encrypt (soap.h) compose them in order.
//
// Contract: used by one thread on one document; they never put key bytes in
// the document except as ciphertext, nor in a status.
#ifndef STS_CLIENT_SOAP_HEADER_BUILDERS_H_
#define STS_CLIENT_SOAP_HEADER_BUILDERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <libxml/tree.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/instance_keys.h"
#include "client/soap/algorithm_suite.h"
#include "client/soap/envelope.h"
#include "client/soap/soap.h"
#include "client/soap/token_xml.h"

namespace sts::soap {

// The message being secured.
struct OutgoingMessage {
  xmlDoc* doc = nullptr;
  Envelope envelope;
  xmlNode* security = nullptr;
};

// wsu:Timestamp, first in the header. Refuses a header that has one.
class TimestampBuilder {
 public:
  TimestampBuilder(absl::Time created, absl::Duration ttl) : created_(created), ttl_(ttl) {}
  absl::StatusOr<std::string> Build(OutgoingMessage& message) const;  // its wsu:Id

 private:
  const absl::Time created_;
  const absl::Duration ttl_;
};

// The SCT, after the Timestamp (reused when the header already embeds it),
// or nothing when it is referenced by Identifier. Returns how a
// DerivedKeyToken names it.
class SecurityContextTokenBuilder {
 public:
  SecurityContextTokenBuilder(const protect::InstanceKeys& keys, SctReference mode)
      : keys_(keys), mode_(mode) {}
  absl::StatusOr<TokenReference> Build(OutgoingMessage& message) const;

 private:
  const protect::InstanceKeys& keys_;
  const SctReference mode_;
};

// A wsc:DerivedKeyToken with a fresh nonce, inserted before `before`; the
// derived key is kept (wiped with the builder) for the element it keys.
class DerivedKeyTokenBuilder {
 public:
  DerivedKeyTokenBuilder(const protect::InstanceKeys& keys, uint32_t length,
                         std::optional<uint64_t> generation)
      : keys_(keys), length_(length), generation_(generation) {}
  absl::Status Build(OutgoingMessage& message, const TokenReference& source, xmlNode* before);
  const std::string& id() const { return id_; }
  const crypto::SecretBytes& key() const { return key_; }

 private:
  const protect::InstanceKeys& keys_;
  const uint32_t length_;
  const std::optional<uint64_t> generation_;
  std::string id_;
  crypto::SecretBytes key_;
};

// ds:Signature over elements with these wsu:Ids, keyed by the
// DerivedKeyToken `key_id`, inserted before `before`, then signed.
class SignatureBuilder {
 public:
  explicit SignatureBuilder(const SuiteAlgorithms& suite) : suite_(suite) {}
  absl::Status Build(OutgoingMessage& message, const std::vector<std::string>& ids,
                     absl::string_view key_id, const crypto::SecretBytes& key, xmlNode* before) const;

 private:
  const SuiteAlgorithms& suite_;
};

// The Body's content encrypted into an xenc:EncryptedData keyed by the
// DerivedKeyToken `key_id`, and the xenc:ReferenceList naming it, inserted
// before `before`.
class EncryptedBodyBuilder {
 public:
  explicit EncryptedBodyBuilder(absl::string_view algorithm) : algorithm_(algorithm) {}
  absl::Status Build(OutgoingMessage& message, absl::string_view key_id,
                     const crypto::SecretBytes& key, xmlNode* before) const;

 private:
  const absl::string_view algorithm_;
};

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_HEADER_BUILDERS_H_
