// Test-only helpers for client/crypto tests. Hex output is for public test
// vectors only; nothing in the module itself has a printing path.
#ifndef STS_CLIENT_CRYPTO_TESTING_TEST_UTIL_H_
#define STS_CLIENT_CRYPTO_TESTING_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto::testing {

inline std::vector<uint8_t> Unhex(absl::string_view hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

inline std::string Hex(absl::Span<const uint8_t> bytes) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

inline std::vector<uint8_t> Repeat(uint8_t byte, size_t n) {
  return std::vector<uint8_t>(n, byte);
}

}  // namespace sts::crypto::testing

#endif  // STS_CLIENT_CRYPTO_TESTING_TEST_UTIL_H_
