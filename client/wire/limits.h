#ifndef STS_CLIENT_WIRE_LIMITS_H_
#define STS_CLIENT_WIRE_LIMITS_H_

// The sizes both sides of sts.v1 agree on: what key sizes a context may have,
// and how much entropy each party contributes to a computed key
// (wst:ComputedKey). The STS refuses requests outside these bounds
// (wst:InvalidRequest); the client library never makes one.

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace sts::wire {

// Context key sizes in bits: 128..512, whole bytes; 256 when a request names
// none (the WS-Trust KeySize default of CXF and Rahas).
inline constexpr uint32_t kMinKeyBits = 128;
inline constexpr uint32_t kMaxKeyBits = 512;
inline constexpr uint32_t kDefaultKeyBits = 256;

inline constexpr bool IsValidKeyBits(uint32_t bits) {
  return bits >= kMinKeyBits && bits <= kMaxKeyBits && bits % 8 == 0;
}

// Requestor entropy (wst:Entropy in a request): at least the key size, at
// most this many bytes.
inline constexpr size_t kMaxRequestorEntropyBytes = 512;

// Each party's entropy for a key of `key_bits`: as many bytes as the key, and
// never fewer than 32 (so a 128-bit key still mixes 256 bits from each side).
inline constexpr size_t kMinEntropyBytes = 32;
inline constexpr size_t EntropyBytesFor(uint32_t key_bits) {
  return std::max<size_t>(key_bits / 8, kMinEntropyBytes);
}

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_LIMITS_H_
