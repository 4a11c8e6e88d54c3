// The baselines both backends run the same way, on the API they share:
// HMAC_CTX, and EVP_DigestSign/EVP_DigestVerify over keys from EVP_PKEY_keygen.
// (openssl3_ and boringssl_benchmark_baselines.cc hold the rest.) OpenSSL 3
// marks HMAC_CTX deprecated but keeps it; it is the raw MAC both share.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include <memory>

#include "client/crypto/fatal.h"
#include "client/crypto/testing/benchmark_baselines.h"

namespace sts::crypto::baseline {
namespace {

using internal::FatalBackendError;

void Check(int result, const char* what) {
  if (result != 1) FatalBackendError(what);
}

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

EVP_PKEY* GenerateKey(AsymmetricSigner::Algorithm algorithm) {
  const bool rsa = algorithm == AsymmetricSigner::Algorithm::kRsa2048;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_id(rsa ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr));
  if (ctx == nullptr) FatalBackendError("EVP_PKEY_CTX_new_id");
  Check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init");
  if (rsa) {
    Check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048), "EVP_PKEY_CTX_set_rsa_keygen_bits");
  } else {
    Check(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1),
          "EVP_PKEY_CTX_set_ec_paramgen_curve_nid");
  }
  EVP_PKEY* key = nullptr;
  Check(EVP_PKEY_keygen(ctx.get(), &key), "EVP_PKEY_keygen");
  return key;
}

}  // namespace

struct RawHmacSha256::State {
  HMAC_CTX* ctx = nullptr;
  ~State() { HMAC_CTX_free(ctx); }  // wipes the keyed states
};

RawHmacSha256::RawHmacSha256(absl::Span<const uint8_t> key) : state_(new State) {
  state_->ctx = HMAC_CTX_new();
  if (state_->ctx == nullptr) FatalBackendError("HMAC_CTX_new");
  Check(HMAC_Init_ex(state_->ctx, key.data(), static_cast<int>(key.size()), EVP_sha256(),
                     nullptr),
        "HMAC_Init_ex");
}
RawHmacSha256::~RawHmacSha256() = default;

void RawHmacSha256::Sign(absl::Span<const uint8_t> data, absl::Span<uint8_t> out) {
  if (out.size() != 32) FatalBackendError("HMAC output size");
  // A null key with no digest restarts from the keyed inner state.
  Check(HMAC_Init_ex(state_->ctx, nullptr, 0, nullptr, nullptr), "HMAC_Init_ex");
  Check(HMAC_Update(state_->ctx, data.data(), data.size()), "HMAC_Update");
  unsigned int len = 0;
  Check(HMAC_Final(state_->ctx, out.data(), &len), "HMAC_Final");
}

bool RawHmacSha256::Verify(absl::Span<const uint8_t> data, absl::Span<const uint8_t> tag) {
  uint8_t mac[32];
  Sign(data, mac);
  return tag.size() == sizeof(mac) && CRYPTO_memcmp(mac, tag.data(), sizeof(mac)) == 0;
}

struct AsymmetricSigner::State {
  EVP_PKEY* key = nullptr;
  EVP_MD_CTX* sign_template = nullptr;  // DigestSign initialised once
  EVP_MD_CTX* verify_template = nullptr;
  EVP_MD_CTX* work = nullptr;
  ~State() {
    EVP_MD_CTX_free(work);
    EVP_MD_CTX_free(verify_template);
    EVP_MD_CTX_free(sign_template);
    EVP_PKEY_free(key);
  }
};

AsymmetricSigner::AsymmetricSigner(Algorithm algorithm) : state_(new State) {
  state_->key = GenerateKey(algorithm);
  state_->sign_template = EVP_MD_CTX_new();
  state_->verify_template = EVP_MD_CTX_new();
  state_->work = EVP_MD_CTX_new();
  if (state_->sign_template == nullptr || state_->verify_template == nullptr ||
      state_->work == nullptr) {
    FatalBackendError("EVP_MD_CTX_new");
  }
  Check(EVP_DigestSignInit(state_->sign_template, nullptr, EVP_sha256(), nullptr, state_->key),
        "EVP_DigestSignInit");
  Check(EVP_DigestVerifyInit(state_->verify_template, nullptr, EVP_sha256(), nullptr,
                             state_->key),
        "EVP_DigestVerifyInit");
}
AsymmetricSigner::~AsymmetricSigner() = default;

std::string AsymmetricSigner::Sign(absl::Span<const uint8_t> message) {
  // Copying the initialised context skips the per-message provider set-up,
  // so the alternative is measured at its fastest.
  size_t length = static_cast<size_t>(EVP_PKEY_size(state_->key));  // the maximum
  std::string signature(length, '\0');
  Check(EVP_MD_CTX_copy_ex(state_->work, state_->sign_template), "EVP_MD_CTX_copy_ex");
  Check(EVP_DigestSign(state_->work, reinterpret_cast<unsigned char*>(signature.data()), &length,
                       message.data(), message.size()),
        "EVP_DigestSign");
  signature.resize(length);
  return signature;
}

bool AsymmetricSigner::Verify(absl::Span<const uint8_t> message, absl::string_view signature) {
  Check(EVP_MD_CTX_copy_ex(state_->work, state_->verify_template), "EVP_MD_CTX_copy_ex");
  const int ok = EVP_DigestVerify(state_->work,
                                  reinterpret_cast<const unsigned char*>(signature.data()),
                                  signature.size(), message.data(), message.size());
  if (ok != 1) ERR_clear_error();
  return ok == 1;
}

}  // namespace sts::crypto::baseline
