#include <openssl/crypto.h>

#include "client/crypto/constant_time.h"

namespace sts::crypto {

bool ConstantTimeEquals(absl::Span<const uint8_t> a,
                        absl::Span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void SecureZero(void* data, size_t size) {
  if (data == nullptr || size == 0) return;
  OPENSSL_cleanse(data, size);
}

}  // namespace sts::crypto
