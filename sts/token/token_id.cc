#include "sts/token/token_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "client/crypto/random.h"

namespace sts::token {
namespace {

constexpr absl::string_view kPrefix = "urn:uuid:";
// Offsets of the hyphens within the 36-character UUID text.
constexpr int kHyphens[] = {8, 13, 18, 23};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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
  if (urn.size() != kPrefix.size() + 36 ||
      !absl::StartsWithIgnoreCase(urn, kPrefix)) {
    return std::nullopt;
  }
  const absl::string_view text = urn.substr(kPrefix.size());
  TokenId id;
  size_t out = 0;
  int hyphen = 0;
  for (size_t i = 0; i < text.size();) {
    if (hyphen < 4 && static_cast<int>(i) == kHyphens[hyphen]) {
      if (text[i] != '-') return std::nullopt;
      ++hyphen;
      ++i;
      continue;
    }
    const int hi = HexValue(text[i]);
    const int lo = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    if (hi < 0 || lo < 0 || out >= id.bytes_.size()) return std::nullopt;
    id.bytes_[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  if (out != id.bytes_.size() || hyphen != 4) return std::nullopt;
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
