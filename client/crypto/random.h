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

// Public values on a hot path (AEAD nonces, identifiers): the same CSPRNG,
// drawn 4 KiB at a time into a per-thread buffer, so a 12-byte nonce does not
// pay a generator call (on OpenSSL 3 a lock, a getpid() and parameter look-ups
// each). Never for keys or entropy: buffered bytes wait in memory before use.
// A forked child discards its inherited buffer, so parent and child never
// hand out the same bytes. At most 256 bytes per call.
absl::Status RandomPublicFill(absl::Span<uint8_t> out);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_RANDOM_H_
