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

// For keys and entropy: the result is wiped when released. Up to 64 bytes
// come through RandomSecretFill.
absl::StatusOr<SecretBytes> RandomSecret(size_t n);

// Keys on a hot path (every Issue and Renew makes one): the same CSPRNG,
// drawn 1 KiB at a time into a per-thread buffer in a page of its own that
// is locked in RAM, left out of core dumps and zeroed in a forked child
// (locked_page.h). Each byte is wiped from the buffer as it is handed out,
// the rest when the thread exits, and a forked child discards what it
// inherited. What waits there is at most 1 KiB of future key bytes per
// thread; the generator's own state, which determines all of its future
// output until it reseeds, lives in ordinary memory beside it. At most 64
// bytes per call are buffered; larger draws go to the generator directly.
absl::Status RandomSecretFill(absl::Span<uint8_t> out);

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
