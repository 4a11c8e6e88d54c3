// The SOAP profile of the client library: WS-Security 1.0 headers keyed by
// WS-SecureConversation derived keys of an SCT, as WCF, CXF/WSS4J and Metro
// expect them.
//
//   Sign     adds to the envelope's wsse:Security header (created if absent)
//            a wsu:Timestamp, the SCT (embedded, or referenced by its
//            Identifier URI), a wsc:DerivedKeyToken (P_SHA1, fresh 16-byte
//            nonce, the suite's Length) and a ds:Signature (exclusive C14N,
//            HMAC) over the Body and the Timestamp, keyed through a
//            wsse:SecurityTokenReference to that DerivedKeyToken.
//   Encrypt  replaces the Body's content by an xenc:EncryptedData under a
//            second DerivedKeyToken (AES-256-CBC as the suites define, or
//            AES-256-GCM), listed in an xenc:ReferenceList in the header.
//            Sign then Encrypt, or Encrypt then Sign: each later step goes
//            before the earlier ones in the header, so a receiver undoes them
//            in reverse and both orders verify.
//   Receiver processes a received header top-down, verifies, decrypts, and
//            returns the Body's content with what it checked.
//
// The receiver's guarantees (hostile input): parsing is hardened (xml.h: no
// DTD, no entities, no network, bounded size/depth/nodes); every Id in the
// document is unique; signature references are same-document "#Id" only and
// must point at the Envelope's one Body, the security header's one
// Timestamp, or another top-level header block, each at most once; Verify
// requires both Body and Timestamp covered (signature wrapping: the Body the
// caller gets is the node that was digested); algorithms are the suite's
// only (no HMAC-SHA1 under Basic256Sha256, no HMACOutputLength ever, one
// exclusive-C14N transform per reference, no Object/Manifest/RetrievalMethod
// /XSLT); a DerivedKeyToken's Length must be the suite's and its start is
// bounded before anything is derived; the timestamp must be within
// `timestamp_window` of the receiver's clock (the library's 5-minute rule);
// a signature is accepted once; and the key comes only from the resolver.
//
// Contract: Sign/Encrypt are thread-safe functions; a Receiver is
// thread-safe and should live as long as the service (its replay cache is
// per object). Refusals carry WS-Security faults (fault.h). Envelopes are
// UTF-8 text. No key byte is ever in a status or an output besides the
// ciphertext.
#ifndef STS_CLIENT_SOAP_SOAP_H_
#define STS_CLIENT_SOAP_SOAP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/clock.h"
#include "client/context/security_context.h"
#include "client/protect/instance_keys.h"
#include "client/soap/algorithm_suite.h"
#include "client/soap/replay_cache.h"
#include "client/soap/resolver.h"
#include "client/soap/security_results.h"
#include "client/soap/xml.h"

namespace sts::soap {

// How the DerivedKeyToken names its SCT.
enum class SctReference {
  kEmbedded,      // the SCT travels in the header; referenced by "#wsu:Id"
  kByIdentifier,  // referenced by its Identifier URI (and wsc:Instance)
};

enum class BodyCipher {
  kAes256Cbc,  // what Basic256 / Basic256Sha256 define
  kAes256Gcm,  // authenticated; http://www.w3.org/2009/xmlenc11#aes256-gcm
};

struct SignOptions {
  AlgorithmSuite suite = AlgorithmSuite::kBasic256Sha256;
  SctReference sct_reference = SctReference::kEmbedded;
  // wsc:Generation of the derived key; unset: wsc:Offset 0.
  std::optional<uint64_t> generation;
  absl::Duration timestamp_ttl = absl::Minutes(5);  // wsu:Expires - wsu:Created
  const Clock* clock = Clock::Real();
  ParseLimits limits;
};

struct EncryptOptions {
  AlgorithmSuite suite = AlgorithmSuite::kBasic256Sha256;
  BodyCipher cipher = BodyCipher::kAes256Cbc;
  SctReference sct_reference = SctReference::kEmbedded;
  std::optional<uint64_t> generation;
  const Clock* clock = Clock::Real();  // only to refuse an expired context
  ParseLimits limits;
};

// Under `keys` (the instance a holder sends with, or the one a relying party
// resolved for its answer). The envelope must have a Body; an existing
// single wsse:Security header is added to.
absl::StatusOr<std::string> Sign(absl::string_view envelope, const protect::InstanceKeys& keys,
                                 const SignOptions& options = {});
absl::StatusOr<std::string> Encrypt(absl::string_view envelope, const protect::InstanceKeys& keys,
                                    const EncryptOptions& options = {});

// The same with a holder's context: its current instance, refused
// (wsc:RenewNeeded / wst:InvalidSecurityToken) once it has expired or been
// cancelled. Renewal itself is the context's (its renewal mode).
absl::StatusOr<std::string> Sign(absl::string_view envelope, const context::SecurityContext& context,
                                 const SignOptions& options = {});
absl::StatusOr<std::string> Encrypt(absl::string_view envelope,
                                    const context::SecurityContext& context,
                                    const EncryptOptions& options = {});

struct ReceiverOptions {
  AlgorithmSuite suite = AlgorithmSuite::kBasic256Sha256;
  bool accept_aes_gcm = true;  // besides the suite's AES-256-CBC
  absl::Duration timestamp_window = absl::Minutes(5);
  const Clock* clock = Clock::Real();
  ParseLimits limits;
  uint64_t max_derived_key_start = 4096;  // bytes into the P_SHA1 stream
  size_t max_references = 8;
  size_t max_header_elements = 32;
  size_t replay_cache_entries = 100'000;
  // Whether Verify also returns the whole envelope (Decrypt always does).
  bool keep_envelope = false;
};

struct Received {
  // The Body's content, serialised: exactly the nodes that were verified
  // and/or decrypted. Use this, not a re-parse of `envelope`.
  std::string body;
  // The whole envelope after decryption, security header kept (Decrypt;
  // Verify only with ReceiverOptions.keep_envelope).
  std::string envelope;
  SecurityResults results;
  // The context that keyed the message (principal and audience as the
  // resolver knows them).
  std::shared_ptr<const protect::ContextInfo> context;
};

class Receiver {
 public:
  explicit Receiver(std::shared_ptr<SctKeyResolver> resolver, ReceiverOptions options = {});

  // A signed message: the signature must cover the Body and the Timestamp.
  // Any xenc:ReferenceList in the header is decrypted on the way.
  absl::StatusOr<Received> Verify(absl::string_view envelope);
  // An encrypted message: the Body's content must have been encrypted. Any
  // signature in the header is verified as Verify would (it must then cover
  // Body and Timestamp too). An AES-CBC body without a signature has no
  // integrity: prefer Verify, or AES-GCM.
  absl::StatusOr<Received> Decrypt(absl::string_view envelope);

  const ReceiverOptions& options() const { return options_; }

 private:
  absl::StatusOr<Received> Process(absl::string_view envelope, bool require_signature,
                                   bool require_encryption);

  const std::shared_ptr<SctKeyResolver> resolver_;
  const ReceiverOptions options_;
  ReplayCache replay_;
};

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_SOAP_H_
