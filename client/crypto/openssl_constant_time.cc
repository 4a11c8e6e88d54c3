#include <openssl/crypto.h>

#include <string.h>

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
  // glibc's explicit_bzero is memset (vector stores) behind a barrier the
  // compiler may not remove; OpenSSL 3's OPENSSL_cleanse stores 8 bytes per
  // iteration, several times slower for the 2 KiB arena block each RPC wipes.
  explicit_bzero(data, size);
}

}  // namespace sts::crypto
