// SHA-256 on the hash's low-level API (SHA256_CTX), as HMAC is
// (openssl_hmac.cc): on OpenSSL 3 the one-shot SHA256() and every
// EVP_DigestInit_ex fetch the algorithm from a provider by name, which costs
// more than hashing a short message. OpenSSL 3 marks these functions
// deprecated but keeps them; BoringSSL has the same.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/sha.h>

#include <memory>
#include <utility>

#include "client/crypto/constant_time.h"
#include "client/crypto/digest.h"
#include "client/crypto/fatal.h"

namespace sts::crypto {

Sha256Digest Sha256(absl::Span<const uint8_t> data) {
  Sha256Digest out;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  if (!data.empty()) SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out.data(), &ctx);
  SecureZero(&ctx, sizeof(ctx));  // it may have hashed a secret
  return out;
}

Sha256Digest Sha256(absl::string_view data) {
  return Sha256(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

struct Sha256Hasher::State {
  SHA256_CTX ctx;
  ~State() { SecureZero(&ctx, sizeof(ctx)); }
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) { SHA256_Init(&state_->ctx); }

Sha256Hasher::Sha256Hasher(Sha256Hasher&& other) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&& other) noexcept = default;
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(absl::Span<const uint8_t> data) {
  if (state_ == nullptr) internal::FatalBackendError("moved-from Sha256Hasher");
  if (data.empty()) return;
  SHA256_Update(&state_->ctx, data.data(), data.size());
}

void Sha256Hasher::Update(absl::string_view data) {
  Update(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Sha256Digest Sha256Hasher::Finish() {
  if (state_ == nullptr) internal::FatalBackendError("moved-from Sha256Hasher");
  Sha256Digest out;
  SHA256_Final(out.data(), &state_->ctx);
  SHA256_Init(&state_->ctx);
  return out;
}

}  // namespace sts::crypto
