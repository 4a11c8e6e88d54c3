// HMAC-SHA256 (and HMAC-SHA1 for the WS-Trust/WS-SecureConversation P_SHA1
// derivations, which are defined on it).
//
// Contract:
//  - HmacSha256Key holds a pre-keyed HMAC state (key-equivalent, wiped on
//    destruction) and no other copy of the key; the caller keeps ownership of
//    the key bytes passed to Create. Each Sign/Verify copies that state, so no
//    key schedule is run per message, and const methods are safe to call
//    concurrently from any number of threads on one instance.
//  - Tags are always full length. Verify refuses any tag that is not exactly
//    kTagSize bytes (a truncated HMAC is never accepted) and compares in
//    constant time.
//  - Move-only. A moved-from key may only be destroyed or assigned to.
//  - Backend failures during Sign can only mean memory exhaustion or a broken
//    crypto library, so, like operator new, they terminate the process; all
//    input errors are reported by Create as a status.
#ifndef STS_CLIENT_CRYPTO_HMAC_H_
#define STS_CLIENT_CRYPTO_HMAC_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace sts::crypto {

inline constexpr size_t kHmacSha256Size = 32;
inline constexpr size_t kHmacSha1Size = 20;
using HmacSha256Tag = std::array<uint8_t, kHmacSha256Size>;
using HmacSha1Tag = std::array<uint8_t, kHmacSha1Size>;

namespace internal {

// The shared implementation behind HmacSha256Key and the KDFs. Not for use
// outside client/crypto: unlike HmacSha256Key it accepts empty keys and SHA-1.
class PreparedHmac {
 public:
  enum class Hash { kSha1, kSha256 };

  static absl::StatusOr<PreparedHmac> Create(Hash hash,
                                             absl::Span<const uint8_t> key);
  PreparedHmac(PreparedHmac&&) noexcept;
  PreparedHmac& operator=(PreparedHmac&&) noexcept;
  ~PreparedHmac();

  size_t tag_size() const;

  // A copy whose MAC input already starts with `prefix`.
  PreparedHmac WithPrefix(absl::Span<const uint8_t> prefix) const;

  // HMAC over the concatenation of parts; out.size() must equal tag_size().
  void Sign(absl::Span<const absl::Span<const uint8_t>> parts,
            absl::Span<uint8_t> out) const;

 private:
  struct State;  // backend context, defined in openssl_hmac.cc
  explicit PreparedHmac(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace internal

class HmacSha256Key {
 public:
  static constexpr size_t kTagSize = kHmacSha256Size;

  // Refuses an empty key (kInvalidArgument): it is always a caller bug here.
  // Keys longer than the 64-byte block are hashed first, as HMAC specifies.
  static absl::StatusOr<HmacSha256Key> Create(absl::Span<const uint8_t> key);

  HmacSha256Key(HmacSha256Key&&) noexcept = default;
  HmacSha256Key& operator=(HmacSha256Key&&) noexcept = default;

  HmacSha256Tag Sign(absl::Span<const uint8_t> data) const;
  // The MAC of the concatenation of parts, without building it; lets callers
  // MAC a canonical encoding field by field.
  HmacSha256Tag Sign(
      std::initializer_list<absl::Span<const uint8_t>> parts) const;

  bool Verify(absl::Span<const uint8_t> data,
              absl::Span<const uint8_t> tag) const;
  bool Verify(std::initializer_list<absl::Span<const uint8_t>> parts,
              absl::Span<const uint8_t> tag) const;

  // A key whose messages all start with `prefix`: its Sign(parts) equals this
  // key's Sign({prefix, parts...}) without hashing the prefix again. For
  // encodings whose first fields are fixed per key (a context's identifier,
  // instance, derivation).
  HmacSha256Key WithPrefix(absl::Span<const uint8_t> prefix) const {
    return HmacSha256Key(hmac_.WithPrefix(prefix));
  }

 private:
  explicit HmacSha256Key(internal::PreparedHmac hmac)
      : hmac_(std::move(hmac)) {}
  internal::PreparedHmac hmac_;
};

// One-shot helpers. They run the key schedule on every call; keep a
// HmacSha256Key for keys used more than once. Any key length is accepted,
// including empty, as HMAC defines it.
HmacSha256Tag HmacSha256(absl::Span<const uint8_t> key,
                         absl::Span<const uint8_t> data);
HmacSha1Tag HmacSha1(absl::Span<const uint8_t> key,
                     absl::Span<const uint8_t> data);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_HMAC_H_
