// Backend-neutral: both KDFs are written on internal::PreparedHmac, so they
// run no backend KDF and need no change when the backend does.
#include "client/crypto/kdf.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/hmac.h"

namespace sts::crypto {
namespace {

using internal::PreparedHmac;
using Parts = std::initializer_list<absl::Span<const uint8_t>>;

void Mac(const PreparedHmac& hmac, Parts parts, absl::Span<uint8_t> out) {
  hmac.Sign(absl::MakeConstSpan(parts.begin(), parts.size()), out);
}

// Wipes a fixed-size intermediate on every return path.
template <size_t N>
struct ScopedBlock {
  std::array<uint8_t, N> bytes{};
  ~ScopedBlock() { SecureZero(bytes.data(), bytes.size()); }
};

}  // namespace

absl::StatusOr<SecretBytes> PSha1(absl::Span<const uint8_t> secret,
                                  absl::Span<const uint8_t> seed, size_t offset,
                                  size_t length) {
  if (secret.empty()) {
    return absl::InvalidArgumentError("P_SHA1 secret is empty");
  }
  if (length == 0) return absl::InvalidArgumentError("P_SHA1 length is 0");
  // Written so that the check itself cannot overflow.
  if (offset > kPSha1MaxOutput || length > kPSha1MaxOutput - offset) {
    return absl::InvalidArgumentError("P_SHA1 offset + length exceeds 1 MiB");
  }
  absl::StatusOr<PreparedHmac> hmac =
      PreparedHmac::Create(PreparedHmac::Hash::kSha1, secret);
  if (!hmac.ok()) return hmac.status();

  constexpr size_t kBlock = kHmacSha1Size;
  const size_t end = offset + length;
  const size_t first_block = offset / kBlock;
  const size_t last_block = (end - 1) / kBlock;

  SecretBytes out(length);
  // Every intermediate is derived from the secret, so each is wiped like it.
  ScopedBlock<kBlock> a;      // A(i + 1) while producing block i
  ScopedBlock<kBlock> next;   // A(i + 2)
  ScopedBlock<kBlock> block;  // HMAC(secret, A(i + 1) || seed)
  Mac(*hmac, {seed}, absl::MakeSpan(a.bytes));
  for (size_t i = 0; i <= last_block; ++i) {
    if (i >= first_block) {
      Mac(*hmac, {a.bytes, seed}, absl::MakeSpan(block.bytes));
      // Copy the part of stream bytes [i*20, i*20+20) inside [offset, end).
      const size_t block_start = i * kBlock;
      const size_t from = std::max(block_start, offset);
      const size_t to = std::min(block_start + kBlock, end);
      std::memcpy(out.mutable_span().data() + (from - offset),
                  block.bytes.data() + (from - block_start), to - from);
    }
    if (i < last_block) {
      Mac(*hmac, {a.bytes}, absl::MakeSpan(next.bytes));
      a.bytes = next.bytes;
    }
  }
  return out;
}

absl::StatusOr<SecretBytes> HkdfSha256(absl::Span<const uint8_t> ikm,
                                       absl::Span<const uint8_t> salt,
                                       absl::string_view info, size_t length) {
  constexpr size_t kHash = kHmacSha256Size;
  if (length == 0) return absl::InvalidArgumentError("HKDF length is 0");
  if (length > kHkdfSha256MaxOutput) {
    return absl::InvalidArgumentError("HKDF length exceeds 255 * HashLen");
  }

  // Extract: PRK = HMAC(salt, IKM); RFC 5869 2.2 reads an absent salt as
  // HashLen zero bytes.
  static constexpr std::array<uint8_t, kHash> kZeroSalt{};
  absl::StatusOr<PreparedHmac> extract = PreparedHmac::Create(
      PreparedHmac::Hash::kSha256,
      salt.empty() ? absl::Span<const uint8_t>(kZeroSalt) : salt);
  if (!extract.ok()) return extract.status();
  ScopedBlock<kHash> prk;
  Mac(*extract, {ikm}, absl::MakeSpan(prk.bytes));

  // Expand: T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty.
  absl::StatusOr<PreparedHmac> expand =
      PreparedHmac::Create(PreparedHmac::Hash::kSha256, prk.bytes);
  if (!expand.ok()) return expand.status();
  SecretBytes out(length);
  ScopedBlock<kHash> previous;
  ScopedBlock<kHash> t;
  size_t done = 0;
  // length <= 255 * HashLen, so the one-byte counter never wraps.
  for (uint8_t counter = 1; done < length; ++counter) {
    const absl::Span<const uint8_t> previous_part =
        counter == 1 ? absl::Span<const uint8_t>() : previous.bytes;
    const uint8_t counter_byte[1] = {counter};
    Mac(*expand, {previous_part, AsBytes(info), counter_byte},
        absl::MakeSpan(t.bytes));
    const size_t n = std::min(kHash, length - done);
    std::memcpy(out.mutable_span().data() + done, t.bytes.data(), n);
    done += n;
    previous.bytes = t.bytes;
  }
  return out;
}

}  // namespace sts::crypto
