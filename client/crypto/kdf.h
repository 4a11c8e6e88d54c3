// Key derivation: P_SHA1 (WS-Trust / WS-SecureConversation) and HKDF-SHA256.
//
// Contract: pure functions of their inputs, thread-safe. The result is owned
// by the caller as SecretBytes; intermediate values are wiped before return.
// Invalid sizes are refused with kInvalidArgument, and no error message ever
// contains input bytes. Both are built on this module's HMAC, not on a
// backend KDF, so they behave identically on every backend.
#ifndef STS_CLIENT_CRYPTO_KDF_H_
#define STS_CLIENT_CRYPTO_KDF_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "client/crypto/secret_bytes.h"

namespace sts::crypto {

// Bound on offset + length for PSha1: real derivations need tens of bytes,
// and the bound keeps a hostile offset/length from costing unbounded CPU.
inline constexpr size_t kPSha1MaxOutput = size_t{1} << 20;  // 1 MiB

// The TLS 1.0 P_SHA1 expansion as used by WS-SecureConversation derived keys
// and the WS-Trust CK/PSHA1 computed key:
//   A(0) = seed, A(i) = HMAC_SHA1(secret, A(i-1)),
//   P_SHA1 = HMAC_SHA1(secret, A(1) || seed) || HMAC_SHA1(secret, A(2) || seed)
//            || ...
// Returns bytes [offset, offset + length) of that stream (a WS-SC
// DerivedKeyToken with Generation g and Length n uses offset g * n).
// Refuses an empty secret, length 0, and offset + length > kPSha1MaxOutput.
absl::StatusOr<SecretBytes> PSha1(absl::Span<const uint8_t> secret,
                                  absl::Span<const uint8_t> seed, size_t offset,
                                  size_t length);

inline constexpr size_t kHkdfSha256MaxOutput = 255 * 32;

// RFC 5869 HKDF with HMAC-SHA256. An empty salt means HashLen zero bytes, as
// the RFC specifies. Refuses length 0 and length > kHkdfSha256MaxOutput.
absl::StatusOr<SecretBytes> HkdfSha256(absl::Span<const uint8_t> ikm,
                                       absl::Span<const uint8_t> salt,
                                       absl::string_view info, size_t length);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_KDF_H_
