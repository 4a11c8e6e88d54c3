#include "client/protect/derived_key.h"

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/crypto/kdf.h"
#include "client/wire/fault.h"

namespace sts::protect {
namespace {

using wire::Refusal;
using wire::Refuse;

// Validates `params` as a receiver must (they may come from the network) and
// returns where the key starts in the P_SHA1 stream.
absl::StatusOr<uint64_t> CheckedStart(const DerivedKeyParams& params) {
  if (params.nonce.size() < kMinDerivedKeyNonceSize ||
      params.nonce.size() > kMaxDerivedKeyNonceSize) {
    return Refuse(Refusal::kMalformedRequest, "derived-key nonce must be 16 to 128 bytes");
  }
  if (params.label.size() > kMaxDerivedKeyLabelSize) {
    return Refuse(Refusal::kMalformedRequest, "derived-key label longer than 256 bytes");
  }
  const uint32_t length = params.length == 0 ? kDefaultDerivedKeyLength : params.length;
  if (length < kMinDerivedKeyLength || length > kMaxDerivedKeyLength) {
    return Refuse(Refusal::kMalformedRequest, "derived-key length must be 16 to 64 bytes");
  }
  if (params.generation.has_value() && params.offset != 0) {
    return Refuse(Refusal::kMalformedRequest, "derived key has both an offset and a generation");
  }
  // start + length must stay within the stream a receiver will compute;
  // checked before multiplying so that generation * length cannot overflow.
  static_assert(kMaxDerivedKeyStreamBytes <= crypto::kPSha1MaxOutput);
  const uint64_t limit = kMaxDerivedKeyStreamBytes;
  if (params.generation.has_value()) {
    if (*params.generation > limit / length - 1) {
      return Refuse(Refusal::kMalformedRequest, "derived-key generation too large");
    }
    return *params.generation * length;
  }
  if (params.offset > limit - length) {
    return Refuse(Refusal::kMalformedRequest, "derived-key offset too large");
  }
  return params.offset;
}

}  // namespace

std::string HkdfInfo(Purpose purpose, Direction direction) {
  return absl::StrCat("sts.v1 message ", purpose == Purpose::kSign ? "sign" : "encrypt", " ",
                      direction == Direction::kClientToServer ? "client-to-server"
                                                              : "server-to-client");
}

absl::StatusOr<crypto::SecretBytes> DeriveMessageKey(absl::Span<const uint8_t> context_key,
                                                     Purpose purpose, Direction direction) {
  if (context_key.empty()) return Refuse(Refusal::kMalformedRequest, "empty context key");
  return crypto::HkdfSha256(context_key, {}, HkdfInfo(purpose, direction), 32);
}

bool IsPSha1(absl::string_view algorithm) {
  return algorithm == kPSha1Derivation || algorithm == kPSha1Derivation2005;
}


absl::StatusOr<crypto::SecretBytes> DerivePSha1Key(absl::Span<const uint8_t> context_key,
                                                   const DerivedKeyParams& params) {
  if (context_key.empty()) return Refuse(Refusal::kMalformedRequest, "empty context key");
  absl::StatusOr<uint64_t> start = CheckedStart(params);
  if (!start.ok()) return start.status();
  const absl::string_view label =
      params.label.empty() ? kDefaultDerivedKeyLabel : absl::string_view(params.label);
  const std::string seed = absl::StrCat(label, params.nonce);
  return crypto::PSha1(context_key, crypto::AsBytes(seed), static_cast<size_t>(*start),
                       params.length == 0 ? kDefaultDerivedKeyLength : params.length);
}

absl::StatusOr<DerivedKeyParams> PSha1ParamsOf(const sts::v1::KeyDerivation& derivation) {
  if (!IsPSha1(derivation.algorithm())) {
    return Refuse(Refusal::kMalformedRequest, "not a P_SHA1 key derivation");
  }
  DerivedKeyParams params;
  params.label = derivation.label();
  params.nonce = derivation.nonce();
  params.length = derivation.length();
  switch (derivation.start_case()) {
    case sts::v1::KeyDerivation::kOffset:
      params.offset = derivation.offset();
      break;
    case sts::v1::KeyDerivation::kGeneration:
      params.generation = derivation.generation();
      break;
    case sts::v1::KeyDerivation::START_NOT_SET:
      break;
  }
  if (absl::StatusOr<uint64_t> start = CheckedStart(params); !start.ok()) return start.status();
  return params;
}

}  // namespace sts::protect
