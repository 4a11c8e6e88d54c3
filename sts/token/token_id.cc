#include "sts/token/token_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "client/crypto/random.h"

namespace sts::token {
namespace {

constexpr absl::string_view kPrefix = "urn:uuid:";

// Hex digit values by byte, -1 for anything else: one load per digit on a
// path every Renew, Cancel and Validate takes.
struct HexTable {
  int8_t value[256];
  constexpr HexTable() : value() {
    for (int c = 0; c < 256; ++c) value[c] = -1;
    for (int c = 0; c < 10; ++c) value['0' + c] = static_cast<int8_t>(c);
    for (int c = 0; c < 6; ++c) {
      value['a' + c] = static_cast<int8_t>(10 + c);
      value['A' + c] = static_cast<int8_t>(10 + c);
    }
  }
};
constexpr HexTable kHex;

// Where each byte's two digits start in the 36-character UUID text
// (8-4-4-4-12 digits, hyphens at 8, 13, 18 and 23).
constexpr uint8_t kDigitsAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

absl::StatusOr<TokenId> TokenId::Generate() {
  TokenId id;
  // An identifier is public: drawn from the per-thread buffer of CSPRNG
  // bytes, not a generator call of its own.
  absl::Status status = crypto::RandomPublicFill(absl::MakeSpan(id.bytes_));
  if (!status.ok()) return status;
  id.bytes_[6] = static_cast<uint8_t>((id.bytes_[6] & 0x0f) | 0x40);  // version 4
  id.bytes_[8] = static_cast<uint8_t>((id.bytes_[8] & 0x3f) | 0x80);  // variant 10
  return id;
}

std::optional<TokenId> TokenId::Parse(absl::string_view urn) {
  if (urn.size() != kPrefix.size() + 36 || !absl::StartsWithIgnoreCase(urn, kPrefix)) {
    return std::nullopt;
  }
  const auto* text = reinterpret_cast<const unsigned char*>(urn.data() + kPrefix.size());
  if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    return std::nullopt;
  }
  TokenId id;
  int invalid = 0;  // negative once any digit was not hex
  for (size_t i = 0; i < id.bytes_.size(); ++i) {
    const int hi = kHex.value[text[kDigitsAt[i]]];
    const int lo = kHex.value[text[kDigitsAt[i] + 1]];
    invalid |= hi | lo;
    // Unsigned: a -1 (refused below) must not be shifted as a signed value.
    id.bytes_[i] =
        static_cast<uint8_t>(static_cast<unsigned>(hi) << 4 | static_cast<unsigned>(lo));
  }
  if (invalid < 0) return std::nullopt;
  return id;
}

std::string TokenId::ToUrn() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kPrefix);
  out.reserve(kPrefix.size() + 36);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes_[i] >> 4]);
    out.push_back(kHex[bytes_[i] & 0xf]);
  }
  return out;
}

}  // namespace sts::token
