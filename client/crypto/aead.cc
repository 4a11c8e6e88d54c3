// The backend-neutral half of aead.h: every argument is checked here, once,
// so the backend files (openssl_aead.cc, boringssl_aead.cc) only run the
// cipher, and both refuse exactly the same inputs with the same errors.
#include "client/crypto/aead.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <utility>

#include "client/crypto/constant_time.h"

namespace sts::crypto {
namespace {

// GCM's limit on plaintext per nonce (NIST SP 800-38D): 2^39 - 256 bits.
constexpr uint64_t kMaxPlaintext = (uint64_t{1} << 36) - 32;

absl::Status InvalidNonce() {
  return absl::InvalidArgumentError("AES-GCM nonce must be 12 bytes");
}

bool Overlap(absl::Span<const uint8_t> a, absl::Span<const uint8_t> b) {
  if (a.empty() || b.empty()) return false;
  std::less<const uint8_t*> lt;
  return lt(a.data(), b.data() + b.size()) && lt(b.data(), a.data() + a.size());
}

// out == in is supported (in-place); any other overlap is refused because the
// backend would read bytes it has already overwritten.
bool PartialOverlap(absl::Span<const uint8_t> in, absl::Span<uint8_t> out) {
  if (!in.empty() && in.data() == out.data()) return false;
  return Overlap(in, out);
}

}  // namespace

AesGcmKey::AesGcmKey(StatePtr state) : state_(std::move(state)) {}
AesGcmKey::AesGcmKey(AesGcmKey&&) noexcept = default;
AesGcmKey& AesGcmKey::operator=(AesGcmKey&&) noexcept = default;
AesGcmKey::~AesGcmKey() = default;

absl::StatusOr<AesGcmKey> AesGcmKey::Create(absl::Span<const uint8_t> key) {
  if (key.size() != kKeySize && key.size() != kAes128KeySize) {
    return absl::InvalidArgumentError(
        "AES-GCM key must be 32 bytes (or 16 for AES-128-GCM)");
  }
  absl::StatusOr<StatePtr> state = NewState(key);
  if (!state.ok()) return state.status();
  return AesGcmKey(*std::move(state));
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
  if (PartialOverlap(plaintext, ciphertext) || Overlap(plaintext, tag) ||
      Overlap(ciphertext, tag)) {
    return absl::InvalidArgumentError("AES-GCM buffers overlap");
  }
  absl::Status sealed = SealChecked(nonce, plaintext, aad, ciphertext, tag);
  if (!sealed.ok()) {
    SecureZero(ciphertext.data(), ciphertext.size());
    SecureZero(tag.data(), tag.size());
  }
  return sealed;
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
  // Copied first, so out may overlap the caller's tag (the backend reads the
  // tag after writing out).
  std::array<uint8_t, kTagSize> expected;
  std::copy_n(tag.data(), kTagSize, expected.begin());
  // GCM decrypts before it authenticates, so out may hold plaintext that
  // must not be released when the tag does not check out.
  absl::Status opened = OpenChecked(nonce, ciphertext, expected, aad, out);
  if (!opened.ok()) SecureZero(out.data(), out.size());
  return opened;
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
