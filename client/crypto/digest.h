// SHA-256.
//
// Contract: the one-shot functions are pure and thread-safe. Sha256Hasher is
// move-only and thread-compatible (one instance per thread at a time).
// Backend failures here can only mean memory exhaustion or a broken crypto
// library, so, like operator new, they terminate the process rather than
// return a status.
#ifndef STS_CLIENT_CRYPTO_DIGEST_H_
#define STS_CLIENT_CRYPTO_DIGEST_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

Sha256Digest Sha256(absl::Span<const uint8_t> data);
Sha256Digest Sha256(absl::string_view data);

class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher(Sha256Hasher&& other) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&& other) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  ~Sha256Hasher();

  void Update(absl::Span<const uint8_t> data);
  void Update(absl::string_view data);

  // Returns the digest of everything passed to Update since construction or
  // the previous Finish, and resets the hasher for a new message.
  Sha256Digest Finish();

 private:
  struct State;  // backend context, defined in the openssl_*.cc
  std::unique_ptr<State> state_;
};

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_DIGEST_H_
