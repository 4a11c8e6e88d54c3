#include <openssl/evp.h>
#include <openssl/sha.h>

#include <utility>

#include "client/crypto/digest.h"
#include "client/crypto/fatal.h"

namespace sts::crypto {

Sha256Digest Sha256(absl::Span<const uint8_t> data) {
  Sha256Digest out;
  // The one-shot SHA256() needs no allocation or provider fetch, so it cannot
  // fail; it exists in BoringSSL too.
  SHA256(data.data(), data.size(), out.data());
  return out;
}

Sha256Digest Sha256(absl::string_view data) {
  return Sha256(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

struct Sha256Hasher::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

namespace {

void InitSha256(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    internal::FatalBackendError("EVP_DigestInit_ex(SHA-256)");
  }
}

}  // namespace

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr) internal::FatalBackendError("EVP_MD_CTX_new");
  InitSha256(state_->ctx);
}

Sha256Hasher::Sha256Hasher(Sha256Hasher&& other) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&& other) noexcept = default;
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(absl::Span<const uint8_t> data) {
  if (state_ == nullptr) internal::FatalBackendError("moved-from Sha256Hasher");
  if (data.empty()) return;
  if (EVP_DigestUpdate(state_->ctx, data.data(), data.size()) != 1) {
    internal::FatalBackendError("EVP_DigestUpdate");
  }
}

void Sha256Hasher::Update(absl::string_view data) {
  Update(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Sha256Digest Sha256Hasher::Finish() {
  if (state_ == nullptr) internal::FatalBackendError("moved-from Sha256Hasher");
  Sha256Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(state_->ctx, out.data(), &len) != 1 ||
      len != out.size()) {
    internal::FatalBackendError("EVP_DigestFinal_ex");
  }
  InitSha256(state_->ctx);
  return out;
}

}  // namespace sts::crypto
