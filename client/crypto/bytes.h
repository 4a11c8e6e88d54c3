// Byte-view helpers shared by the crypto API.
//
// Contract: AsBytes never copies; the returned span aliases the argument and
// is valid only as long as the argument's storage is. Thread-compatible.
#ifndef STS_CLIENT_CRYPTO_BYTES_H_
#define STS_CLIENT_CRYPTO_BYTES_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto {

// Text inputs (labels, canonical encodings) are handed to the byte-oriented
// API without a copy. uint8_t is unsigned char, so the aliasing is defined.
inline absl::Span<const uint8_t> AsBytes(absl::string_view s) {
  return absl::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()),
                                   s.size());
}

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_BYTES_H_
