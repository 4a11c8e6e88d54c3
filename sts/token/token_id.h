#ifndef STS_TOKEN_TOKEN_ID_H_
#define STS_TOKEN_TOKEN_ID_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sts::token {

// A security context identifier, "urn:uuid:<RFC 4122 version 4 UUID>", held
// as its 16 bytes. Identifiers come from the CSPRNG, so they are unguessable
// and never reissued.
class TokenId {
 public:
  // A fresh random (version 4, variant 10) identifier.
  static absl::StatusOr<TokenId> Generate();

  // Parses "urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex in either
  // case, "urn:uuid:" in either case). Anything else yields nullopt.
  static std::optional<TokenId> Parse(absl::string_view urn);

  static TokenId FromBytes(const std::array<uint8_t, 16>& bytes) {
    TokenId id;
    id.bytes_ = bytes;
    return id;
  }

  // The canonical lower-case URN.
  std::string ToUrn() const;
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  friend bool operator==(const TokenId& a, const TokenId& b) {
    return a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const TokenId& a, const TokenId& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const TokenId& id) {
    return H::combine_contiguous(std::move(h), id.bytes_.data(), id.bytes_.size());
  }

 private:
  TokenId() = default;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace sts::token

#endif  // STS_TOKEN_TOKEN_ID_H_
