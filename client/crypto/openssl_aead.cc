// OpenSSL 3's half of aead.h, on the EVP_CIPHER_CTX + GCM-ctrl interface both
// backends share (BUILD.bazel selects boringssl_aead.cc instead under
// --config=boringssl, for BoringSSL's faster one-shot EVP_AEAD). aead.cc has
// checked every argument before these functions run.
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "client/crypto/aead.h"

namespace sts::crypto {
namespace {

struct CipherCtxDeleter {
  // EVP_CIPHER_CTX_free wipes the expanded key schedule.
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// EVP update calls take int lengths.
constexpr size_t kMaxChunk = size_t{1} << 30;

// A failed EVP call may leave entries in the thread's OpenSSL error queue; a
// stale entry would be misread by the next OpenSSL user on this thread (for
// instance gRPC's TLS stack), so every failure path clears it.
absl::Status BackendFailure() {
  ERR_clear_error();
  return absl::InternalError("AES-GCM backend failure");
}

// Feeds AAD (out == nullptr) or data through the context in int-sized chunks.
bool Update(EVP_CIPHER_CTX* ctx, absl::Span<const uint8_t> in, uint8_t* out) {
  while (!in.empty()) {
    const size_t n = std::min(in.size(), kMaxChunk);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(n)) !=
            1 ||
        (out != nullptr && static_cast<size_t>(written) != n)) {
      return false;
    }
    in.remove_prefix(n);
    if (out != nullptr) out += n;
  }
  return true;
}

// Each operation works on a private copy of the pre-keyed template; the
// template itself is only ever read, which is what makes const calls safe to
// run concurrently.
CipherCtxPtr CopyTemplate(EVP_CIPHER_CTX* tmpl) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr || EVP_CIPHER_CTX_copy(ctx.get(), tmpl) != 1) {
    return nullptr;
  }
  return ctx;
}

// Copies of a template kept for reuse. A copy costs an allocation and the
// key schedule's memcpy (on OpenSSL 3 as much as sealing 1 KiB), while a
// used copy only needs a new nonce. A handful of slots taken and returned
// with atomic exchanges: no lock, and concurrent callers beyond the slots
// simply make (and then free) their own copy. The copies belong to the key,
// so its destruction wipes them all.
class ContextPool {
 public:
  explicit ContextPool(CipherCtxPtr tmpl) : template_(std::move(tmpl)) {}
  ~ContextPool() {
    for (auto& slot : slots_) CipherCtxDeleter()(slot.exchange(nullptr));
  }
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  bool ok() const { return template_ != nullptr; }

  // A ready context (null only on allocation failure).
  CipherCtxPtr Take() {
    for (auto& slot : slots_) {
      if (EVP_CIPHER_CTX* ctx = slot.exchange(nullptr, std::memory_order_acquire)) {
        return CipherCtxPtr(ctx);
      }
    }
    return CopyTemplate(template_.get());
  }

  // Only contexts whose last operation succeeded come back: a failed one is
  // freed (wiped) by the caller's CipherCtxPtr instead.
  void Give(CipherCtxPtr ctx) {
    for (auto& slot : slots_) {
      EVP_CIPHER_CTX* expected = nullptr;
      if (slot.compare_exchange_strong(expected, ctx.get(), std::memory_order_release,
                                       std::memory_order_relaxed)) {
        ctx.release();
        return;
      }
    }
  }

 private:
  CipherCtxPtr template_;
  std::array<std::atomic<EVP_CIPHER_CTX*>, 4> slots_{};
};

}  // namespace

struct AesGcmKey::State {
  State(CipherCtxPtr seal_template, CipherCtxPtr open_template)
      : seal(std::move(seal_template)), open(std::move(open_template)) {}
  ContextPool seal;
  ContextPool open;
};

void AesGcmKey::StateDeleter::operator()(State* state) const { delete state; }

absl::StatusOr<AesGcmKey::StatePtr> AesGcmKey::NewState(
    absl::Span<const uint8_t> key) {
  const EVP_CIPHER* cipher =
      key.size() == kAes128KeySize ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  // Separate sealing and opening templates: the direction is part of the
  // context, and keeping one per direction avoids re-initialising it per
  // call. The nonce is supplied per operation (the default IV length is 12).
  CipherCtxPtr seal(EVP_CIPHER_CTX_new());
  CipherCtxPtr open(EVP_CIPHER_CTX_new());
  if (seal == nullptr || open == nullptr ||
      EVP_EncryptInit_ex(seal.get(), cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_DecryptInit_ex(open.get(), cipher, nullptr, key.data(), nullptr) != 1) {
    return BackendFailure();
  }
  return StatePtr(new State(std::move(seal), std::move(open)));
}

absl::Status AesGcmKey::SealChecked(absl::Span<const uint8_t> nonce,
                                    absl::Span<const uint8_t> plaintext,
                                    absl::Span<const uint8_t> aad,
                                    absl::Span<uint8_t> ciphertext,
                                    absl::Span<uint8_t> tag) const {
  CipherCtxPtr ctx = state_->seal.Take();
  int final_len = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, nonce.data()) !=
          1 ||
      !Update(ctx.get(), aad, nullptr) ||
      !Update(ctx.get(), plaintext, ciphertext.data()) ||
      EVP_EncryptFinal_ex(ctx.get(), tag.data(), &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                          static_cast<int>(kTagSize), tag.data()) != 1) {
    return BackendFailure();
  }
  state_->seal.Give(std::move(ctx));
  return absl::OkStatus();
}

absl::Status AesGcmKey::OpenChecked(absl::Span<const uint8_t> nonce,
                                    absl::Span<const uint8_t> ciphertext,
                                    absl::Span<const uint8_t> tag,
                                    absl::Span<const uint8_t> aad,
                                    absl::Span<uint8_t> out) const {
  // The control call takes a non-const pointer.
  std::array<uint8_t, kTagSize> expected;
  std::copy_n(tag.data(), kTagSize, expected.begin());

  // The tag goes in after the data, just before the check: on OpenSSL 3.0 a
  // control call before the first update measured ~10 ns more per open (a
  // 64-byte open is ~200 ns), and `expected` is a copy, so writing `out`
  // cannot touch it.
  CipherCtxPtr ctx = state_->open.Take();
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, nonce.data()) !=
          1 ||
      !Update(ctx.get(), aad, nullptr) ||
      !Update(ctx.get(), ciphertext, out.data()) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kTagSize), expected.data()) != 1) {
    return BackendFailure();
  }
  uint8_t final_block[1];
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &final_len) != 1 ||
      final_len != 0) {
    ERR_clear_error();
    return absl::DataLossError("AES-GCM authentication failed");
  }
  state_->open.Give(std::move(ctx));
  return absl::OkStatus();
}

}  // namespace sts::crypto
