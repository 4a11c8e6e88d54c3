#ifndef STS_CLIENT_WIRE_COMPUTED_KEY_H_
#define STS_CLIENT_WIRE_COMPUTED_KEY_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "client/crypto/secret_bytes.h"

namespace sts::wire {

// The key both parties compute when the requestor supplied entropy
// (wst:ComputedKey), so the key itself never travels. `algorithm` is
// kComputedKeyPSha1 or kComputedKeyHkdfSha256 (uris.h); anything else is
// wst:InvalidRequest.
absl::StatusOr<crypto::SecretBytes> ComputeKey(absl::string_view algorithm,
                                               absl::Span<const uint8_t> requestor_entropy,
                                               absl::Span<const uint8_t> issuer_entropy,
                                               size_t key_bytes);

// Whether `algorithm` names a computed-key algorithm this project implements.
bool IsSupportedComputedKeyAlgorithm(absl::string_view algorithm);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_COMPUTED_KEY_H_
