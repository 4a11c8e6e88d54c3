// Randomness from the cryptographic library's CSPRNG.
//
// Contract: every function either fills its whole output with CSPRNG bytes or
// returns a non-OK status (kInternal) and no partial result; there is no
// fallback to a weaker generator. Thread-safe. Sizes of zero are valid and
// yield empty results.
#ifndef STS_CLIENT_CRYPTO_RANDOM_H_
#define STS_CLIENT_CRYPTO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/crypto/secret_bytes.h"

namespace sts::crypto {

// On failure the contents of out are unspecified; do not use them.
absl::Status RandomFill(absl::Span<uint8_t> out);

// For keys and entropy: the result is wiped when released.
absl::StatusOr<SecretBytes> RandomSecret(size_t n);

// For public values such as nonces and identifiers.
absl::StatusOr<std::string> RandomBytes(size_t n);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_RANDOM_H_
