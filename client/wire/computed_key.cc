#include "client/wire/computed_key.h"

#include "client/crypto/kdf.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"

namespace sts::wire {

bool IsSupportedComputedKeyAlgorithm(absl::string_view algorithm) {
  return algorithm == kComputedKeyPSha1 || algorithm == kComputedKeyHkdfSha256;
}

absl::StatusOr<crypto::SecretBytes> ComputeKey(absl::string_view algorithm,
                                               absl::Span<const uint8_t> requestor_entropy,
                                               absl::Span<const uint8_t> issuer_entropy,
                                               size_t key_bytes) {
  if (algorithm == kComputedKeyPSha1) {
    return crypto::PSha1(requestor_entropy, issuer_entropy, 0, key_bytes);
  }
  if (algorithm == kComputedKeyHkdfSha256) {
    return crypto::HkdfSha256(requestor_entropy, issuer_entropy, kComputedKeyHkdfInfo,
                              key_bytes);
  }
  return Refuse(Refusal::kMalformedRequest, "unsupported computed-key algorithm");
}

}  // namespace sts::wire
