// BoringSSL's half of aead.h (selected in BUILD.bazel under
// --config=boringssl), on its one-shot EVP_AEAD interface: one pre-keyed
// EVP_AEAD_CTX per key, which BoringSSL documents as safe for concurrent
// seal/open calls, so no per-call context copies and none of OpenSSL 3's
// parameter look-ups. aead.cc has checked every argument before these
// functions run.
#include <openssl/aead.h>
#include <openssl/cipher.h>
#include <openssl/err.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "client/crypto/aead.h"

namespace sts::crypto {
namespace {

struct AeadCtxDeleter {
  // EVP_AEAD_CTX_free releases the context with OPENSSL_free, which zeroes
  // the allocation: the key schedule is wiped with it.
  void operator()(EVP_AEAD_CTX* ctx) const { EVP_AEAD_CTX_free(ctx); }
};

// A stale entry in the thread's error queue would be misread by the next
// user of the library on this thread, so every failure path clears it.
absl::Status BackendFailure() {
  ERR_clear_error();
  return absl::InternalError("AES-GCM backend failure");
}

}  // namespace

struct AesGcmKey::State {
  std::unique_ptr<EVP_AEAD_CTX, AeadCtxDeleter> ctx;
};

void AesGcmKey::StateDeleter::operator()(State* state) const { delete state; }

absl::StatusOr<AesGcmKey::StatePtr> AesGcmKey::NewState(
    absl::Span<const uint8_t> key) {
  const EVP_AEAD* aead =
      key.size() == kAes128KeySize ? EVP_aead_aes_128_gcm() : EVP_aead_aes_256_gcm();
  StatePtr state(new State);
  state->ctx.reset(
      EVP_AEAD_CTX_new(aead, key.data(), key.size(), EVP_AEAD_DEFAULT_TAG_LENGTH));
  if (state->ctx == nullptr || EVP_AEAD_nonce_length(aead) != kNonceSize ||
      EVP_AEAD_max_tag_len(aead) != kTagSize) {
    return BackendFailure();
  }
  return state;
}

absl::Status AesGcmKey::SealChecked(absl::Span<const uint8_t> nonce,
                                    absl::Span<const uint8_t> plaintext,
                                    absl::Span<const uint8_t> aad,
                                    absl::Span<uint8_t> ciphertext,
                                    absl::Span<uint8_t> tag) const {
  size_t tag_len = 0;
  if (EVP_AEAD_CTX_seal_scatter(state_->ctx.get(), ciphertext.data(), tag.data(), &tag_len,
                                tag.size(), nonce.data(), nonce.size(), plaintext.data(),
                                plaintext.size(), /*extra_in=*/nullptr, 0, aad.data(),
                                aad.size()) != 1 ||
      tag_len != kTagSize) {
    return BackendFailure();
  }
  return absl::OkStatus();
}

absl::Status AesGcmKey::OpenChecked(absl::Span<const uint8_t> nonce,
                                    absl::Span<const uint8_t> ciphertext,
                                    absl::Span<const uint8_t> tag,
                                    absl::Span<const uint8_t> aad,
                                    absl::Span<uint8_t> out) const {
  if (EVP_AEAD_CTX_open_gather(state_->ctx.get(), out.data(), nonce.data(), nonce.size(),
                               ciphertext.data(), ciphertext.size(), tag.data(), tag.size(),
                               aad.data(), aad.size()) == 1) {
    return absl::OkStatus();
  }
  // With the shapes already checked, the one expected failure is a tag that
  // does not authenticate (CIPHER_R_BAD_DECRYPT); anything else is the
  // backend's.
  const uint32_t error = ERR_peek_last_error();
  if (ERR_GET_LIB(error) == ERR_LIB_CIPHER && ERR_GET_REASON(error) == CIPHER_R_BAD_DECRYPT) {
    ERR_clear_error();
    return absl::DataLossError("AES-GCM authentication failed");
  }
  return BackendFailure();
}

}  // namespace sts::crypto
