// The backend-neutral half of hmac.h; the backend lives in openssl_hmac.cc.
#include "client/crypto/hmac.h"

#include "absl/status/status.h"
#include "client/crypto/constant_time.h"

namespace sts::crypto {

absl::StatusOr<HmacSha256Key> HmacSha256Key::Create(
    absl::Span<const uint8_t> key) {
  if (key.empty()) return absl::InvalidArgumentError("HMAC key is empty");
  absl::StatusOr<internal::PreparedHmac> hmac = internal::PreparedHmac::Create(
      internal::PreparedHmac::Hash::kSha256, key);
  if (!hmac.ok()) return hmac.status();
  return HmacSha256Key(*std::move(hmac));
}

namespace {

using Parts = absl::Span<const absl::Span<const uint8_t>>;

HmacSha256Tag SignParts(const internal::PreparedHmac& hmac, Parts parts) {
  HmacSha256Tag out;
  hmac.Sign(parts, absl::MakeSpan(out));
  return out;
}

bool VerifyParts(const internal::PreparedHmac& hmac, Parts parts,
                 absl::Span<const uint8_t> tag) {
  // The length check comes first: a short tag must never be accepted as a
  // matching prefix.
  if (tag.size() != HmacSha256Key::kTagSize) return false;
  return ConstantTimeEquals(SignParts(hmac, parts), tag);
}

}  // namespace

HmacSha256Tag HmacSha256Key::Sign(absl::Span<const uint8_t> data) const {
  return SignParts(hmac_, Parts(&data, 1));
}

HmacSha256Tag HmacSha256Key::Sign(
    std::initializer_list<absl::Span<const uint8_t>> parts) const {
  return SignParts(hmac_, Parts(parts.begin(), parts.size()));
}

bool HmacSha256Key::Verify(absl::Span<const uint8_t> data,
                           absl::Span<const uint8_t> tag) const {
  return VerifyParts(hmac_, Parts(&data, 1), tag);
}

bool HmacSha256Key::Verify(
    std::initializer_list<absl::Span<const uint8_t>> parts,
    absl::Span<const uint8_t> tag) const {
  return VerifyParts(hmac_, Parts(parts.begin(), parts.size()), tag);
}

}  // namespace sts::crypto
