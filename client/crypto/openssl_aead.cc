#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "client/crypto/aead.h"
#include "client/crypto/constant_time.h"

namespace sts::crypto {
namespace {

struct CipherCtxDeleter {
  // EVP_CIPHER_CTX_free wipes the expanded key schedule.
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// GCM's limit on plaintext per nonce (NIST SP 800-38D): 2^39 - 256 bits.
constexpr uint64_t kMaxPlaintext = (uint64_t{1} << 36) - 32;
// EVP update calls take int lengths.
constexpr size_t kMaxChunk = size_t{1} << 30;

absl::Status InvalidNonce() {
  return absl::InvalidArgumentError("AES-GCM nonce must be 12 bytes");
}

// A failed EVP call may leave entries in the thread's OpenSSL error queue; a
// stale entry would be misread by the next OpenSSL user on this thread (for
// instance gRPC's TLS stack), so every failure path clears it.
absl::Status BackendFailure() {
  ERR_clear_error();
  return absl::InternalError("AES-GCM backend failure");
}

// out == in is supported (in-place); any other overlap is refused because the
// backend would read bytes it has already overwritten.
bool PartialOverlap(absl::Span<const uint8_t> in, absl::Span<uint8_t> out) {
  if (in.empty() || out.empty() || in.data() == out.data()) return false;
  std::less<const uint8_t*> lt;
  return lt(in.data(), out.data() + out.size()) &&
         lt(out.data(), in.data() + in.size());
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

AesGcmKey::AesGcmKey(std::unique_ptr<State> state) : state_(std::move(state)) {}
AesGcmKey::AesGcmKey(AesGcmKey&&) noexcept = default;
AesGcmKey& AesGcmKey::operator=(AesGcmKey&&) noexcept = default;
AesGcmKey::~AesGcmKey() = default;

absl::StatusOr<AesGcmKey> AesGcmKey::Create(absl::Span<const uint8_t> key) {
  const EVP_CIPHER* cipher = nullptr;
  if (key.size() == kKeySize) {
    cipher = EVP_aes_256_gcm();
  } else if (key.size() == kAes128KeySize) {
    cipher = EVP_aes_128_gcm();
  } else {
    return absl::InvalidArgumentError(
        "AES-GCM key must be 32 bytes (or 16 for AES-128-GCM)");
  }
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
  auto state = std::make_unique<State>(std::move(seal), std::move(open));
  return AesGcmKey(std::move(state));
}

absl::Status AesGcmKey::SealInto(absl::Span<const uint8_t> nonce,
                                 absl::Span<const uint8_t> plaintext,
                                 absl::Span<const uint8_t> aad,
                                 absl::Span<uint8_t> out) const {
  if (out.size() != plaintext.size() + kTagSize) {
    return absl::InvalidArgumentError(
        "AES-GCM output must be plaintext size + 16 bytes");
  }
  if (PartialOverlap(plaintext, out)) {
    return absl::InvalidArgumentError("AES-GCM buffers overlap");
  }
  absl::Status sealed = SealDetached(nonce, plaintext, aad, out.first(plaintext.size()),
                                     out.subspan(plaintext.size()));
  if (!sealed.ok()) SecureZero(out.data(), out.size());
  return sealed;
}

absl::Status AesGcmKey::SealDetached(absl::Span<const uint8_t> nonce,
                                     absl::Span<const uint8_t> plaintext,
                                     absl::Span<const uint8_t> aad,
                                     absl::Span<uint8_t> ciphertext,
                                     absl::Span<uint8_t> tag) const {
  if (state_ == nullptr) {
    return absl::FailedPreconditionError("use of a moved-from AesGcmKey");
  }
  if (nonce.size() != kNonceSize) return InvalidNonce();
  if (plaintext.size() > kMaxPlaintext) {
    return absl::InvalidArgumentError("AES-GCM plaintext too long");
  }
  if (ciphertext.size() != plaintext.size() || tag.size() != kTagSize) {
    return absl::InvalidArgumentError(
        "AES-GCM ciphertext must be the plaintext's size and the tag 16 bytes");
  }
  if (PartialOverlap(plaintext, ciphertext) || PartialOverlap(plaintext, tag)) {
    return absl::InvalidArgumentError("AES-GCM buffers overlap");
  }
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
    SecureZero(ciphertext.data(), ciphertext.size());
    SecureZero(tag.data(), tag.size());
    return BackendFailure();
  }
  state_->seal.Give(std::move(ctx));
  return absl::OkStatus();
}

absl::StatusOr<std::string> AesGcmKey::Seal(
    absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> plaintext,
    absl::Span<const uint8_t> aad) const {
  if (plaintext.size() > kMaxPlaintext) {
    return absl::InvalidArgumentError("AES-GCM plaintext too long");
  }
  std::string out(plaintext.size() + kTagSize, '\0');
  absl::Status status = SealInto(
      nonce, plaintext, aad,
      absl::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!status.ok()) return status;
  return out;
}

absl::Status AesGcmKey::OpenInto(absl::Span<const uint8_t> nonce,
                                 absl::Span<const uint8_t> ciphertext_and_tag,
                                 absl::Span<const uint8_t> aad,
                                 absl::Span<uint8_t> out) const {
  if (ciphertext_and_tag.size() < kTagSize) {
    return absl::InvalidArgumentError("AES-GCM ciphertext shorter than tag");
  }
  const size_t ciphertext_size = ciphertext_and_tag.size() - kTagSize;
  if (out.size() != ciphertext_size) {
    return absl::InvalidArgumentError(
        "AES-GCM output must be ciphertext size - 16 bytes");
  }
  if (PartialOverlap(ciphertext_and_tag, out)) {
    return absl::InvalidArgumentError("AES-GCM buffers overlap");
  }
  // Copied out first: in-place decryption may overwrite the input buffer.
  std::array<uint8_t, kTagSize> tag;
  std::copy_n(ciphertext_and_tag.data() + ciphertext_size, kTagSize, tag.begin());
  return OpenDetached(nonce, ciphertext_and_tag.first(ciphertext_size), tag, aad, out);
}

absl::Status AesGcmKey::OpenDetached(absl::Span<const uint8_t> nonce,
                                     absl::Span<const uint8_t> ciphertext,
                                     absl::Span<const uint8_t> tag,
                                     absl::Span<const uint8_t> aad,
                                     absl::Span<uint8_t> out) const {
  if (state_ == nullptr) {
    return absl::FailedPreconditionError("use of a moved-from AesGcmKey");
  }
  if (nonce.size() != kNonceSize) return InvalidNonce();
  // A short tag is never accepted as a prefix: it is malformed input.
  if (tag.size() != kTagSize) {
    return absl::InvalidArgumentError("AES-GCM tag must be 16 bytes");
  }
  if (ciphertext.size() > kMaxPlaintext) {
    return absl::InvalidArgumentError("AES-GCM ciphertext too long");
  }
  if (out.size() != ciphertext.size()) {
    return absl::InvalidArgumentError("AES-GCM output must be the ciphertext's size");
  }
  if (PartialOverlap(ciphertext, out)) {
    return absl::InvalidArgumentError("AES-GCM buffers overlap");
  }
  // The control call takes a non-const pointer.
  std::array<uint8_t, kTagSize> expected;
  std::copy_n(tag.data(), kTagSize, expected.begin());

  CipherCtxPtr ctx = state_->open.Take();
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, nonce.data()) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kTagSize), expected.data()) != 1 ||
      !Update(ctx.get(), aad, nullptr) ||
      !Update(ctx.get(), ciphertext, out.data())) {
    SecureZero(out.data(), out.size());
    return BackendFailure();
  }
  // GCM decrypts before it authenticates, so out now holds plaintext that is
  // only released if the tag checks out.
  uint8_t final_block[1];
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &final_len) != 1 ||
      final_len != 0) {
    SecureZero(out.data(), out.size());
    ERR_clear_error();
    return absl::DataLossError("AES-GCM authentication failed");
  }
  state_->open.Give(std::move(ctx));
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> AesGcmKey::Open(
    absl::Span<const uint8_t> nonce,
    absl::Span<const uint8_t> ciphertext_and_tag,
    absl::Span<const uint8_t> aad) const {
  // The shape is checked before sizing the output from it.
  if (ciphertext_and_tag.size() < kTagSize) {
    return absl::InvalidArgumentError("AES-GCM ciphertext shorter than tag");
  }
  SecretBytes out(ciphertext_and_tag.size() - kTagSize);
  absl::Status status =
      OpenInto(nonce, ciphertext_and_tag, aad, out.mutable_span());
  if (!status.ok()) return status;
  return out;
}

}  // namespace sts::crypto
