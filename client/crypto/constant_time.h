// Timing-safe primitives for secret data.
//
// Contract:
//  - ConstantTimeEquals takes time that depends only on the lengths, never on
//    the contents. Lengths are treated as public: spans of different length
//    compare unequal at once. Two empty spans are equal.
//  - SecureZero overwrites memory in a way the compiler may not elide, even
//    when the memory is about to be freed.
// Both are thread-safe (no shared state); callers own the memory they pass.
#ifndef STS_CLIENT_CRYPTO_CONSTANT_TIME_H_
#define STS_CLIENT_CRYPTO_CONSTANT_TIME_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace sts::crypto {

bool ConstantTimeEquals(absl::Span<const uint8_t> a,
                        absl::Span<const uint8_t> b);

void SecureZero(void* data, size_t size);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_CONSTANT_TIME_H_
