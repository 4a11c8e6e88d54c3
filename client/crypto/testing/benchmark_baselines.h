// What the project's own primitives are measured against: the crypto
// backend called directly, with no wrapper, and per-message asymmetric
// signatures, the alternative that security context keys replace. For
// benchmarks only (testonly); never for protecting data. Implemented on the
// selected backend (BUILD.bazel): openssl_benchmark_baselines.cc on the API
// both share, openssl3_ or boringssl_benchmark_baselines.cc for the rest.
//
// Contract:
//  - Each object owns one backend context and reuses it for every operation
//    (the cheapest way to drive the backend), so none is thread safe: give
//    each benchmark thread its own.
//  - Backend failures terminate the process (crypto::internal fatal path):
//    a benchmark that silently measured a failing call would be worse.
//  - Raw* keys are the caller's bytes, copied into the backend context and
//    wiped with it. Asymmetric keys are generated fresh and never leave.
#ifndef STS_CLIENT_CRYPTO_TESTING_BENCHMARK_BASELINES_H_
#define STS_CLIENT_CRYPTO_TESTING_BENCHMARK_BASELINES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto::baseline {

// HMAC-SHA256 with the backend's MAC context keyed once; each Sign re-inits
// it without re-running the key schedule. `out` holds 32 bytes.
class RawHmacSha256 {
 public:
  explicit RawHmacSha256(absl::Span<const uint8_t> key);
  ~RawHmacSha256();
  RawHmacSha256(const RawHmacSha256&) = delete;
  RawHmacSha256& operator=(const RawHmacSha256&) = delete;

  void Sign(absl::Span<const uint8_t> data, absl::Span<uint8_t> out);
  // Sign, then a constant-time compare of the full 32 bytes.
  bool Verify(absl::Span<const uint8_t> data, absl::Span<const uint8_t> tag);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// AES-256-GCM (12-byte nonce, 16-byte tag) with the key schedule run once;
// each call only sets the nonce (OpenSSL 3: EVP_CIPHER_CTX; BoringSSL: its
// one-shot EVP_AEAD, the backend's fastest interface on either). Seal writes ciphertext || tag to `out`
// (plaintext.size() + 16 bytes); Open writes the plaintext to `out`
// (ciphertext_and_tag.size() - 16 bytes) and returns whether it authenticated.
class RawAes256Gcm {
 public:
  explicit RawAes256Gcm(absl::Span<const uint8_t> key);  // 32 bytes
  ~RawAes256Gcm();
  RawAes256Gcm(const RawAes256Gcm&) = delete;
  RawAes256Gcm& operator=(const RawAes256Gcm&) = delete;

  void Seal(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> plaintext,
            absl::Span<const uint8_t> aad, absl::Span<uint8_t> out);
  bool Open(absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> ciphertext_and_tag,
            absl::Span<const uint8_t> aad, absl::Span<uint8_t> out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The backend's own KDFs: P_SHA1 as TLS 1.0's PRF with SHA-1 alone (which is
// exactly P_SHA1(secret, seed)), and RFC 5869 HKDF-SHA256. `out.size()` bytes.
// BoringSSL exports no TLS PRF, so there P_SHA1 is its definition written
// directly on the backend's HMAC_CTX.
void RawPSha1(absl::Span<const uint8_t> secret, absl::Span<const uint8_t> seed,
              absl::Span<uint8_t> out);
void RawHkdfSha256(absl::Span<const uint8_t> ikm, absl::Span<const uint8_t> salt,
                   absl::string_view info, absl::Span<uint8_t> out);

// Per-message signatures over SHA-256: RSA-2048 (PKCS #1 v1.5) or ECDSA
// P-256, the key generated at construction. Sign hashes and signs the whole
// message, as a message-level signature would.
class AsymmetricSigner {
 public:
  enum class Algorithm { kRsa2048, kEcdsaP256 };

  explicit AsymmetricSigner(Algorithm algorithm);
  ~AsymmetricSigner();
  AsymmetricSigner(const AsymmetricSigner&) = delete;
  AsymmetricSigner& operator=(const AsymmetricSigner&) = delete;

  std::string Sign(absl::Span<const uint8_t> message);
  bool Verify(absl::Span<const uint8_t> message, absl::string_view signature);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sts::crypto::baseline

#endif  // STS_CLIENT_CRYPTO_TESTING_BENCHMARK_BASELINES_H_
