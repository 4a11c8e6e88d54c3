// BoringSSL's half of the baselines (benchmark_baselines.h), where its API
// differs from OpenSSL 3's: AES-256-GCM on the one-shot EVP_AEAD (what the
// module itself uses there, boringssl_aead.cc), HKDF on its HKDF(), and
// P_SHA1, for which BoringSSL exports no TLS PRF, as its definition (RFC 2246
// section 5) on HMAC_CTX. openssl3_benchmark_baselines.cc is the other half.
#include <openssl/aead.h>
#include <openssl/crypto.h>
#include <openssl/digest.h>
#include <openssl/err.h>
#include <openssl/hkdf.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "client/crypto/fatal.h"
#include "client/crypto/testing/benchmark_baselines.h"

namespace sts::crypto::baseline {
namespace {

using internal::FatalBackendError;

void Check(int result, const char* what) {
  if (result != 1) FatalBackendError(what);
}

struct HmacCtxDeleter {
  void operator()(HMAC_CTX* ctx) const { HMAC_CTX_free(ctx); }
};

// One context per thread, allocated once: the derivation is measured, not
// the allocation (as the OpenSSL 3 side keeps one EVP_KDF_CTX per thread).
HMAC_CTX* ThreadHmac() {
  thread_local std::unique_ptr<HMAC_CTX, HmacCtxDeleter> ctx(HMAC_CTX_new());
  if (ctx == nullptr) FatalBackendError("HMAC_CTX_new");
  return ctx.get();
}

// HMAC over the key already set in ctx, of a || b.
void Mac(HMAC_CTX* ctx, absl::Span<const uint8_t> a, absl::Span<const uint8_t> b,
         uint8_t out[SHA_DIGEST_LENGTH]) {
  Check(HMAC_Init_ex(ctx, nullptr, 0, nullptr, nullptr), "HMAC_Init_ex");
  Check(HMAC_Update(ctx, a.data(), a.size()), "HMAC_Update");
  Check(HMAC_Update(ctx, b.data(), b.size()), "HMAC_Update");
  unsigned int len = 0;
  Check(HMAC_Final(ctx, out, &len), "HMAC_Final");
}

}  // namespace

struct RawAes256Gcm::State {
  EVP_AEAD_CTX* ctx = nullptr;
  ~State() { EVP_AEAD_CTX_free(ctx); }  // OPENSSL_free zeroes the key schedule
};

RawAes256Gcm::RawAes256Gcm(absl::Span<const uint8_t> key) : state_(new State) {
  if (key.size() != 32) FatalBackendError("AES-256-GCM key size");
  state_->ctx = EVP_AEAD_CTX_new(EVP_aead_aes_256_gcm(), key.data(), key.size(),
                                 EVP_AEAD_DEFAULT_TAG_LENGTH);
  if (state_->ctx == nullptr) FatalBackendError("EVP_AEAD_CTX_new");
}
RawAes256Gcm::~RawAes256Gcm() = default;

void RawAes256Gcm::Seal(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> plaintext,
                        absl::Span<const uint8_t> aad, absl::Span<uint8_t> out) {
  if (nonce.size() != 12 || out.size() != plaintext.size() + 16) FatalBackendError("GCM sizes");
  size_t written = 0;
  Check(EVP_AEAD_CTX_seal(state_->ctx, out.data(), &written, out.size(), nonce.data(),
                          nonce.size(), plaintext.data(), plaintext.size(), aad.data(),
                          aad.size()),
        "EVP_AEAD_CTX_seal");
  if (written != out.size()) FatalBackendError("EVP_AEAD_CTX_seal length");
}

bool RawAes256Gcm::Open(absl::Span<const uint8_t> nonce,
                        absl::Span<const uint8_t> ciphertext_and_tag,
                        absl::Span<const uint8_t> aad, absl::Span<uint8_t> out) {
  if (nonce.size() != 12 || ciphertext_and_tag.size() < 16 ||
      out.size() != ciphertext_and_tag.size() - 16) {
    FatalBackendError("GCM sizes");
  }
  size_t written = 0;
  // On failure BoringSSL has already zeroed out.
  if (EVP_AEAD_CTX_open(state_->ctx, out.data(), &written, out.size(), nonce.data(),
                        nonce.size(), ciphertext_and_tag.data(), ciphertext_and_tag.size(),
                        aad.data(), aad.size()) != 1) {
    ERR_clear_error();
    return false;
  }
  return written == out.size();
}

void RawPSha1(absl::Span<const uint8_t> secret, absl::Span<const uint8_t> seed,
              absl::Span<uint8_t> out) {
  // P_SHA1(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) ||
  // seed) || ..., with A(0) = seed and A(i) = HMAC(secret, A(i-1)).
  HMAC_CTX* ctx = ThreadHmac();
  Check(HMAC_Init_ex(ctx, secret.data(), secret.size(), EVP_sha1(), nullptr), "HMAC_Init_ex");
  uint8_t a[SHA_DIGEST_LENGTH];
  uint8_t block[SHA_DIGEST_LENGTH];
  Mac(ctx, seed, {}, a);
  for (size_t done = 0; done < out.size();) {
    Mac(ctx, a, seed, block);
    const size_t n = std::min(out.size() - done, sizeof(block));
    std::memcpy(out.data() + done, block, n);
    done += n;
    if (done < out.size()) Mac(ctx, a, {}, a);
  }
  OPENSSL_cleanse(a, sizeof(a));
  OPENSSL_cleanse(block, sizeof(block));
}

void RawHkdfSha256(absl::Span<const uint8_t> ikm, absl::Span<const uint8_t> salt,
                   absl::string_view info, absl::Span<uint8_t> out) {
  Check(HKDF(out.data(), out.size(), EVP_sha256(), ikm.data(), ikm.size(), salt.data(),
             salt.size(), reinterpret_cast<const uint8_t*>(info.data()), info.size()),
        "HKDF");
}

}  // namespace sts::crypto::baseline
