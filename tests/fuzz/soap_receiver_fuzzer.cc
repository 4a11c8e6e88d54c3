// The SOAP receiving side (client/soap/soap.h): soap::Receiver::Verify and
// Decrypt over an envelope from the wire (hardened XML parse, the
// wsse:Security header, DerivedKeyTokens, XML Signature and Encryption
// through xmlsec1), with a resolver holding the fixed context's keys
// (fixed_context.h) on a fake clock at the fixed time.
//
// Input: flags (1 byte), then the envelope.
//   flags bits 0-1  0: Verify the envelope; 1: Decrypt it; 2: the harness
//                   signs it first (soap::Sign under the fixed key), then
//                   Verify; 3: the harness encrypts then signs it, then
//                   Decrypt. Modes 2 and 3 carry mutated envelopes past the
//                   signature to everything checked with a valid one, and
//                   exercise the senders on hostile envelopes.
//         bit 2     the Basic256 suite (else Basic256Sha256), both sides
//         bit 3     AES-256-GCM body encryption (else AES-256-CBC)
//         bit 4     the SCT referenced by identifier (else embedded)
//         bit 5     the receiver refuses AES-GCM (accept_aes_gcm = false)
//         bit 6     the receiver keeps the envelope (keep_envelope)
//
// Checks: the receiver's refusals carry a fault (soap.h: "Refusals carry
// WS-Security faults"; the senders' errors about the caller's own envelope
// need not) and no status holds the key; an accepted message's
// signature covered its Body and Timestamp, it was keyed by the fixed
// context, the resolver heard of it once, and the same envelope received
// again is refused (a signature is accepted once).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "client/clock.h"
#include "client/soap/soap.h"
#include "client/wire/fault.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fuzz_checks.h"

namespace sts::fuzz {
namespace {

class FixedSctResolver final : public soap::SctKeyResolver {
 public:
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token) override {
    if (token.identifier() != kIdentifier) {
      return wire::Refuse(wire::Refusal::kUnknownContext, "unknown context");
    }
    if (token.instance() != "1" && !token.instance().empty()) {
      return wire::Refuse(wire::Refusal::kUnknownKeyInstance, "unknown instance");
    }
    return FixedInstance(FixedKeyKind::kResolved);
  }
  void Accepted(const sts::v1::SecurityContextToken& token) override { ++accepted_; }
  int accepted() const { return accepted_; }

 private:
  int accepted_ = 0;
};

void RequireNoKey(absl::string_view text) {
  RequireNoSecret(text, FixedKey(FixedKeyKind::kResolved));
}

void RequireClean(const absl::Status& status) {
  RequireFault(status);
  RequireNoKey(status.message());
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  absl::Cleanup check_log = [] { RequireNoKey(TakeProtobufLog()); };
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string envelope(reinterpret_cast<const char*>(data + 1), size - 1);
  const int mode = flags & 3;
  FakeClock clock(FixedNow());
  const soap::AlgorithmSuite suite =
      flags & 4 ? soap::AlgorithmSuite::kBasic256 : soap::AlgorithmSuite::kBasic256Sha256;
  const soap::SctReference reference =
      flags & 16 ? soap::SctReference::kByIdentifier : soap::SctReference::kEmbedded;
  const protect::InstanceKeys& keys = *FixedInstance(FixedKeyKind::kResolved);

  if (mode == 3) {
    soap::EncryptOptions options;
    options.suite = suite;
    options.cipher = flags & 8 ? soap::BodyCipher::kAes256Gcm : soap::BodyCipher::kAes256Cbc;
    options.sct_reference = reference;
    options.clock = &clock;
    absl::StatusOr<std::string> encrypted = soap::Encrypt(envelope, keys, options);
    RequireNoKey(encrypted.status().message());
    Trace("encrypt", encrypted.status());
    if (!encrypted.ok()) return 0;
    envelope = *std::move(encrypted);
  }
  if (mode >= 2) {
    soap::SignOptions options;
    options.suite = suite;
    options.sct_reference = reference;
    options.clock = &clock;
    absl::StatusOr<std::string> signed_envelope = soap::Sign(envelope, keys, options);
    RequireNoKey(signed_envelope.status().message());
    Trace("sign", signed_envelope.status());
    if (!signed_envelope.ok()) return 0;
    envelope = *std::move(signed_envelope);
  }

  soap::ReceiverOptions options;
  options.suite = suite;
  options.accept_aes_gcm = (flags & 32) == 0;
  options.keep_envelope = (flags & 64) != 0;
  options.clock = &clock;
  auto resolver = std::make_shared<FixedSctResolver>();
  soap::Receiver receiver(resolver, options);
  const bool decrypt = mode == 1 || mode == 3;
  absl::StatusOr<soap::Received> received =
      decrypt ? receiver.Decrypt(envelope) : receiver.Verify(envelope);
  RequireClean(received.status());
  Trace(decrypt ? "decrypt" : "verify", received.status());
  if (!received.ok()) {
    Require(resolver->accepted() == 0, "a refused message was reported accepted");
    return 0;
  }
  const soap::SecurityResults& results = received->results;
  if (!decrypt) Require(!results.signatures.empty(), "a verified message was signed");
  if (!results.signatures.empty()) {
    const soap::SignatureResult& signature = results.signatures.front();
    Require(signature.body_signed && signature.timestamp_signed,
            "an accepted signature covers the Body and the Timestamp");
    Require(signature.key.source.identifier() == kIdentifier,
            "an accepted signature is keyed by the resolved context");
    Require(resolver->accepted() == 1, "an accepted message is reported once");
    absl::StatusOr<soap::Received> again =
        decrypt ? receiver.Decrypt(envelope) : receiver.Verify(envelope);
    Require(!again.ok(), "a signed message is accepted once");
    RequireClean(again.status());
  }
  if (decrypt) Require(!results.decryptions.empty(), "a decrypted message was encrypted");
  Require(received->context != nullptr && received->context->identifier == kIdentifier,
          "an accepted message names the fixed context");
  return 0;
}
