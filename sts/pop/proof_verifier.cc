#include "sts/pop/proof_verifier.h"

#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/digest.h"
#include "client/wire/canonical.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"
#include "sts/token/token_id.h"

namespace sts::pop {

using wire::Refuse;
using wire::Refusal;

namespace {

replay::ProofFingerprint FingerprintOf(absl::string_view identifier, absl::string_view nonce) {
  wire::CanonicalWriter w(96);
  w.Bytes("sts.v1 replay").Bytes(identifier).Bytes(nonce);
  const auto digest = crypto::Sha256(w.bytes());
  replay::ProofFingerprint fingerprint;
  std::memcpy(fingerprint.data(), digest.data(), fingerprint.size());
  return fingerprint;
}

}  // namespace

absl::Status ProofVerifier::Verify(absl::string_view principal, const wire::ProofSubject& subject,
                                   const sts::v1::ProofOfPossession& proof,
                                   bool has_proof, const wire::Digest& request_digest,
                                   absl::Span<const token::KeyCopy> keys,
                                   absl::Time now) const {
  if (rate_limiter_ != nullptr) {
    if (absl::Status s = rate_limiter_->Admit(principal, now); !s.ok()) return s;
  }
  if (!has_proof) {
    return Refuse(Refusal::kBadProof, "proof of possession of the context key is required");
  }
  if (proof.nonce().size() < wire::kMinProofNonceBytes ||
      proof.nonce().size() > wire::kMaxProofNonceBytes) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("proof nonce must be ", wire::kMinProofNonceBytes, " to ",
                               wire::kMaxProofNonceBytes, " bytes"));
  }
  if (proof.mac().size() != crypto::kSha256Size) {
    return Refuse(Refusal::kBadProof,
                  "proof MAC must be the full 32-byte HMAC-SHA256 (truncation refused)");
  }
  if (!proof.has_created() || proof.created().nanos() < 0 ||
      proof.created().nanos() >= 1'000'000'000) {
    return Refuse(Refusal::kMalformedRequest, "proof timestamp missing or malformed");
  }
  const absl::Time created = wire::TimeOf(proof.created());
  if (created < now - clock_skew_ || created > now + clock_skew_) {
    return Refuse(Refusal::kStaleProof,
                  absl::StrCat("proof timestamp is outside the accepted window of +-",
                               absl::FormatDuration(clock_skew_), " around the STS clock"));
  }
  uint32_t instance = 0;
  const token::KeyCopy* key = nullptr;
  if (absl::SimpleAtoi(proof.instance(), &instance)) {
    for (const token::KeyCopy& candidate : keys) {
      if (candidate.instance == instance && now < candidate.accept_until) {
        key = &candidate;
        break;
      }
    }
  }
  if (key == nullptr) {
    return Refuse(Refusal::kUnknownKeyInstance,
                  "the proof's key instance is neither current nor inside its rollover window");
  }
  const wire::ProofSubject keyed{subject.method, subject.identifier, proof.instance()};
  if (!wire::ProofMacMatches(keyed, key->key.span(), proof, request_digest)) {
    return Refuse(Refusal::kBadProof, "proof of possession does not verify");
  }
  // The replay key is the context (in canonical form: "URN:UUID:..." and
  // "urn:uuid:..." are one context) and the nonce.
  const std::optional<token::TokenId> id = token::TokenId::Parse(subject.identifier);
  return replay_cache_->CheckAndRemember(
      FingerprintOf(id.has_value() ? id->ToUrn() : std::string(subject.identifier), proof.nonce()),
      principal, created + clock_skew_, now);
}

}  // namespace sts::pop
