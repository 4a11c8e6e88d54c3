// AES-GCM authenticated encryption: 96-bit nonce, 128-bit tag.
//
// Contract:
//  - AesGcmKey holds pre-keyed backend cipher state (key-equivalent, wiped
//    and freed on destruction) and no other copy of the key; the caller keeps
//    ownership of the bytes given to Create. Operations never modify shared
//    state (OpenSSL 3: each works on its own pooled copy of a pre-keyed
//    context; BoringSSL: one read-only EVP_AEAD_CTX), so const methods are
//    safe to call concurrently on one instance.
//  - Move-only. A moved-from key may only be destroyed or assigned to; using
//    one returns kFailedPrecondition.
//  - Nonces must be exactly kNonceSize bytes and must never repeat under one
//    key; generating them (e.g. RandomBytes(kNonceSize)) is the caller's job.
//  - Errors:
//      kInvalidArgument  malformed shape: bad key, nonce or buffer size, or a
//                        ciphertext shorter than the tag. Detectable without
//                        the key.
//      kDataLoss         the ciphertext, tag, nonce or AAD does not
//                        authenticate under this key (forged or corrupted).
//                        No plaintext is released: Open returns none and
//                        OpenInto wipes its output buffer.
//      kInternal         the crypto backend failed.
//    Messages are fixed strings; they never contain key, nonce or data bytes.
//    Callers facing the network should map all of these to one opaque error.
#ifndef STS_CLIENT_CRYPTO_AEAD_H_
#define STS_CLIENT_CRYPTO_AEAD_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/crypto/secret_bytes.h"

namespace sts::crypto {

class AesGcmKey {
 public:
  static constexpr size_t kKeySize = 32;        // AES-256-GCM
  static constexpr size_t kAes128KeySize = 16;  // AES-128-GCM, also accepted
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;

  static absl::StatusOr<AesGcmKey> Create(absl::Span<const uint8_t> key);

  AesGcmKey(AesGcmKey&&) noexcept;
  AesGcmKey& operator=(AesGcmKey&&) noexcept;
  ~AesGcmKey();

  // Returns ciphertext || tag (plaintext.size() + kTagSize bytes).
  absl::StatusOr<std::string> Seal(absl::Span<const uint8_t> nonce,
                                   absl::Span<const uint8_t> plaintext,
                                   absl::Span<const uint8_t> aad) const;

  // Returns the plaintext only if ciphertext_and_tag authenticates. The
  // plaintext is returned as SecretBytes because what this service seals is
  // key material.
  absl::StatusOr<SecretBytes> Open(absl::Span<const uint8_t> nonce,
                                   absl::Span<const uint8_t> ciphertext_and_tag,
                                   absl::Span<const uint8_t> aad) const;

  // Allocation-free forms. out.size() must be exactly plaintext.size() +
  // kTagSize (SealInto) or ciphertext_and_tag.size() - kTagSize (OpenInto).
  // out may be the very same memory as the input (in-place), but must not
  // overlap it in any other way.
  absl::Status SealInto(absl::Span<const uint8_t> nonce,
                        absl::Span<const uint8_t> plaintext,
                        absl::Span<const uint8_t> aad,
                        absl::Span<uint8_t> out) const;
  absl::Status OpenInto(absl::Span<const uint8_t> nonce,
                        absl::Span<const uint8_t> ciphertext_and_tag,
                        absl::Span<const uint8_t> aad,
                        absl::Span<uint8_t> out) const;

  // The same with the tag apart from the ciphertext, for formats that carry
  // it in its own field: no buffer needs to grow by 16 bytes. ciphertext has
  // plaintext's size and may be the same memory (in-place); tag is kTagSize.
  absl::Status SealDetached(absl::Span<const uint8_t> nonce,
                            absl::Span<const uint8_t> plaintext,
                            absl::Span<const uint8_t> aad,
                            absl::Span<uint8_t> ciphertext,
                            absl::Span<uint8_t> tag) const;
  // Fails with kDataLoss, and wipes out, when the tag does not authenticate.
  absl::Status OpenDetached(absl::Span<const uint8_t> nonce,
                            absl::Span<const uint8_t> ciphertext,
                            absl::Span<const uint8_t> tag,
                            absl::Span<const uint8_t> aad,
                            absl::Span<uint8_t> out) const;

 private:
  // The backend's half, in openssl_aead.cc or boringssl_aead.cc (one is
  // selected in BUILD.bazel). aead.cc has already checked every argument: a
  // 16- or 32-byte key; a kNonceSize nonce and a kTagSize tag; lengths within
  // GCM's limit; each output the size of its input, and equal to it or
  // disjoint from every other buffer. The callers wipe outputs on failure.
  struct State;  // the backend's pre-keyed contexts
  struct StateDeleter {
    void operator()(State* state) const;
  };
  using StatePtr = std::unique_ptr<State, StateDeleter>;
  static absl::StatusOr<StatePtr> NewState(absl::Span<const uint8_t> key);
  // kInternal on a backend failure.
  absl::Status SealChecked(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> plaintext,
                           absl::Span<const uint8_t> aad, absl::Span<uint8_t> ciphertext,
                           absl::Span<uint8_t> tag) const;
  // kDataLoss when the tag does not authenticate, kInternal otherwise.
  absl::Status OpenChecked(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> ciphertext,
                           absl::Span<const uint8_t> tag, absl::Span<const uint8_t> aad,
                           absl::Span<uint8_t> out) const;

  explicit AesGcmKey(StatePtr state);
  StatePtr state_;
};

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_AEAD_H_
