// OpenSSL 3's half of the baselines (benchmark_baselines.h), on interfaces
// BoringSSL lacks (EVP_KDF with OSSL_PARAM): they exist to show what the
// backend alone costs, not to be ported. boringssl_benchmark_baselines.cc is
// the other backend's half.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

#include "client/crypto/fatal.h"
#include "client/crypto/testing/benchmark_baselines.h"

namespace sts::crypto::baseline {
namespace {

using internal::FatalBackendError;

void Check(int result, const char* what) {
  if (result != 1) FatalBackendError(what);
}

struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter>;

// One context per thread and algorithm, fetched once: the derivation itself
// is what is measured, not the provider look-up.
EVP_KDF_CTX* KdfContext(const char* name) {
  thread_local KdfCtxPtr tls1_prf, hkdf;
  KdfCtxPtr& slot = name[0] == 'T' ? tls1_prf : hkdf;
  if (slot == nullptr) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, name, nullptr);
    if (kdf == nullptr) FatalBackendError("EVP_KDF_fetch");
    slot.reset(EVP_KDF_CTX_new(kdf));
    EVP_KDF_free(kdf);
    if (slot == nullptr) FatalBackendError("EVP_KDF_CTX_new");
  }
  return slot.get();
}

void* Mutable(const void* p) { return const_cast<void*>(p); }

}  // namespace

struct RawAes256Gcm::State {
  EVP_CIPHER_CTX* seal = nullptr;
  EVP_CIPHER_CTX* open = nullptr;
  ~State() {
    EVP_CIPHER_CTX_free(seal);
    EVP_CIPHER_CTX_free(open);
  }
};

RawAes256Gcm::RawAes256Gcm(absl::Span<const uint8_t> key) : state_(new State) {
  if (key.size() != 32) FatalBackendError("AES-256-GCM key size");
  state_->seal = EVP_CIPHER_CTX_new();
  state_->open = EVP_CIPHER_CTX_new();
  if (state_->seal == nullptr || state_->open == nullptr) FatalBackendError("EVP_CIPHER_CTX_new");
  Check(EVP_EncryptInit_ex(state_->seal, EVP_aes_256_gcm(), nullptr, key.data(), nullptr),
        "EVP_EncryptInit_ex");
  Check(EVP_DecryptInit_ex(state_->open, EVP_aes_256_gcm(), nullptr, key.data(), nullptr),
        "EVP_DecryptInit_ex");
}
RawAes256Gcm::~RawAes256Gcm() = default;

void RawAes256Gcm::Seal(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> plaintext,
                        absl::Span<const uint8_t> aad, absl::Span<uint8_t> out) {
  if (nonce.size() != 12 || out.size() != plaintext.size() + 16) FatalBackendError("GCM sizes");
  EVP_CIPHER_CTX* ctx = state_->seal;
  // Key unchanged (null): only the nonce is set, the key schedule is reused.
  Check(EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()), "EVP_EncryptInit_ex");
  int n = 0;
  if (!aad.empty()) {
    Check(EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())),
          "EVP_EncryptUpdate(aad)");
  }
  Check(EVP_EncryptUpdate(ctx, out.data(), &n, plaintext.data(),
                          static_cast<int>(plaintext.size())),
        "EVP_EncryptUpdate");
  Check(EVP_EncryptFinal_ex(ctx, out.data() + n, &n), "EVP_EncryptFinal_ex");
  Check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + plaintext.size()),
        "EVP_CTRL_GCM_GET_TAG");
}

bool RawAes256Gcm::Open(absl::Span<const uint8_t> nonce,
                        absl::Span<const uint8_t> ciphertext_and_tag,
                        absl::Span<const uint8_t> aad, absl::Span<uint8_t> out) {
  if (nonce.size() != 12 || ciphertext_and_tag.size() < 16 ||
      out.size() != ciphertext_and_tag.size() - 16) {
    FatalBackendError("GCM sizes");
  }
  const size_t length = ciphertext_and_tag.size() - 16;
  EVP_CIPHER_CTX* ctx = state_->open;
  Check(EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()), "EVP_DecryptInit_ex");
  int n = 0;
  if (!aad.empty()) {
    Check(EVP_DecryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())),
          "EVP_DecryptUpdate(aad)");
  }
  Check(EVP_DecryptUpdate(ctx, out.data(), &n, ciphertext_and_tag.data(),
                          static_cast<int>(length)),
        "EVP_DecryptUpdate");
  Check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
                            Mutable(ciphertext_and_tag.data() + length)),
        "EVP_CTRL_GCM_SET_TAG");
  if (EVP_DecryptFinal_ex(ctx, out.data() + n, &n) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(out.data(), out.size());
    return false;
  }
  return true;
}

void RawPSha1(absl::Span<const uint8_t> secret, absl::Span<const uint8_t> seed,
              absl::Span<uint8_t> out) {
  // TLS 1.0's PRF splits the secret between MD5 and SHA-1 only for the
  // "MD5-SHA1" digest; with "SHA1" it is P_SHA1(secret, seed) itself.
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, Mutable(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, Mutable(seed.data()), seed.size()),
      OSSL_PARAM_construct_end(),
  };
  // TLS1-PRF appends every SEED it is given to the seed it already holds, so
  // a reused context must be reset or the seed grows call after call.
  EVP_KDF_CTX* ctx = KdfContext("TLS1-PRF");
  EVP_KDF_CTX_reset(ctx);
  Check(EVP_KDF_derive(ctx, out.data(), out.size(), params),
        "EVP_KDF_derive(TLS1-PRF)");
}

void RawHkdfSha256(absl::Span<const uint8_t> ikm, absl::Span<const uint8_t> salt,
                   absl::string_view info, absl::Span<uint8_t> out) {
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, Mutable(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, Mutable(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, Mutable(info.data()), info.size()),
      OSSL_PARAM_construct_end(),
  };
  Check(EVP_KDF_derive(KdfContext("HKDF"), out.data(), out.size(), params),
        "EVP_KDF_derive(HKDF)");
}

}  // namespace sts::crypto::baseline
