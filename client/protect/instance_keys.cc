#include "client/protect/instance_keys.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/protect/header.h"
#include "client/wire/fault.h"

namespace sts::protect {
namespace {

using wire::Refusal;
using wire::Refuse;

absl::StatusOr<crypto::HmacSha256Key> HkdfMacKey(absl::Span<const uint8_t> key,
                                                 Direction direction) {
  absl::StatusOr<crypto::SecretBytes> derived = DeriveMessageKey(key, Purpose::kSign, direction);
  if (!derived.ok()) return derived.status();
  return crypto::HmacSha256Key::Create(derived->span());
}

absl::StatusOr<crypto::AesGcmKey> HkdfAeadKey(absl::Span<const uint8_t> key,
                                              Direction direction) {
  absl::StatusOr<crypto::SecretBytes> derived =
      DeriveMessageKey(key, Purpose::kEncrypt, direction);
  if (!derived.ok()) return derived.status();
  return crypto::AesGcmKey::Create(derived->span());
}

// Every variable field is length-prefixed, so two parameter sets never share
// a cache key. The purpose is part of it: one derived key never serves both
// HMAC and AES-GCM.
std::string PSha1CacheKey(char purpose, const DerivedKeyParams& params) {
  return absl::StrCat(absl::string_view(&purpose, 1), params.label.size(), ":", params.label,
                      params.nonce.size(), ":", params.nonce, "/", params.offset, "/",
                      params.generation.has_value() ? absl::StrCat(*params.generation) : "-",
                      "/", params.length == 0 ? kDefaultDerivedKeyLength : params.length);
}

}  // namespace

InstanceKeys::InstanceKeys(std::shared_ptr<const ContextInfo> info, std::string instance,
                           crypto::SecretBytes key, std::array<crypto::HmacSha256Key, 2> mac,
                           std::array<crypto::HmacSha256Key, 2> mac_after_header_start,
                           std::array<crypto::AesGcmKey, 2> aead,
                           std::array<std::string, 4> nonces,
                           std::array<std::string, 4> header_starts)
    : info_(std::move(info)),
      instance_(std::move(instance)),
      key_(std::move(key)),
      mac_(std::move(mac)),
      mac_after_header_start_(std::move(mac_after_header_start)),
      aead_(std::move(aead)),
      sender_nonces_(std::move(nonces)),
      header_starts_(std::move(header_starts)) {}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> InstanceKeys::Create(
    std::shared_ptr<const ContextInfo> info, std::string instance, crypto::SecretBytes key) {
  if (info == nullptr) return absl::InvalidArgumentError("InstanceKeys needs a ContextInfo");
  if (key.empty()) return Refuse(Refusal::kMalformedRequest, "empty context key");
  absl::StatusOr<crypto::HmacSha256Key> mac_c2s = HkdfMacKey(key, Direction::kClientToServer);
  absl::StatusOr<crypto::HmacSha256Key> mac_s2c = HkdfMacKey(key, Direction::kServerToClient);
  absl::StatusOr<crypto::AesGcmKey> aead_c2s = HkdfAeadKey(key, Direction::kClientToServer);
  absl::StatusOr<crypto::AesGcmKey> aead_s2c = HkdfAeadKey(key, Direction::kServerToClient);
  for (const absl::Status& s : {mac_c2s.status(), mac_s2c.status(), aead_c2s.status(),
                                aead_s2c.status()}) {
    if (!s.ok()) return s;
  }
  std::array<std::string, 4> nonces;
  for (std::string& nonce : nonces) {
    absl::StatusOr<std::string> random = crypto::RandomBytes(kDefaultDerivedKeyNonceSize);
    if (!random.ok()) return random.status();
    nonce = *std::move(random);
  }
  const auto start = [&](uint32_t protection, Direction direction) {
    return internal::HeaderStartString(internal::HkdfHeaderFields(
        protection, direction, info->identifier, instance, info->cookie));
  };
  constexpr uint32_t kSign = sts::v1::ProtectedMessage::PROTECTION_SIGN;
  constexpr uint32_t kSeal = sts::v1::ProtectedMessage::PROTECTION_SEAL;
  std::array<std::string, 4> starts = {
      start(kSign, Direction::kClientToServer), start(kSign, Direction::kServerToClient),
      start(kSeal, Direction::kClientToServer), start(kSeal, Direction::kServerToClient)};
  crypto::HmacSha256Key after_c2s = mac_c2s->WithPrefix(crypto::AsBytes(starts[0]));
  crypto::HmacSha256Key after_s2c = mac_s2c->WithPrefix(crypto::AsBytes(starts[1]));
  // Not make_shared: the constructor is private.
  return std::shared_ptr<const InstanceKeys>(new InstanceKeys(
      std::move(info), std::move(instance), std::move(key),
      {*std::move(mac_c2s), *std::move(mac_s2c)}, {std::move(after_c2s), std::move(after_s2c)},
      {*std::move(aead_c2s), *std::move(aead_s2c)}, std::move(nonces), std::move(starts)));
}

bool InstanceKeys::HasContextKey(absl::Span<const uint8_t> other) const {
  return crypto::ConstantTimeEquals(key_.span(), other);
}

absl::StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> InstanceKeys::PSha1MacKey(
    const DerivedKeyParams& params) const {
  const std::string cache_key = PSha1CacheKey('m', params);
  {
    std::lock_guard<std::mutex> lock(psha1_mu_);
    auto it = psha1_.find(cache_key);
    if (it != psha1_.end() && it->second.mac != nullptr) return it->second.mac;
  }
  // Derived outside the lock; two threads may both derive the same key once.
  absl::StatusOr<crypto::SecretBytes> derived = DerivePSha1Key(key_.span(), params);
  if (!derived.ok()) return derived.status();
  absl::StatusOr<crypto::HmacSha256Key> key = crypto::HmacSha256Key::Create(derived->span());
  if (!key.ok()) return key.status();
  auto shared = std::make_shared<const crypto::HmacSha256Key>(*std::move(key));
  std::lock_guard<std::mutex> lock(psha1_mu_);
  if (psha1_.size() >= kMaxPSha1Keys) psha1_.clear();
  psha1_[cache_key].mac = shared;
  return shared;
}

absl::StatusOr<std::shared_ptr<const crypto::AesGcmKey>> InstanceKeys::PSha1AeadKey(
    const DerivedKeyParams& params) const {
  if (params.length != 0 && params.length != crypto::AesGcmKey::kKeySize) {
    return Refuse(Refusal::kMalformedRequest,
                  "a derived key for AES-256-GCM must be 32 bytes long");
  }
  const std::string cache_key = PSha1CacheKey('e', params);
  {
    std::lock_guard<std::mutex> lock(psha1_mu_);
    auto it = psha1_.find(cache_key);
    if (it != psha1_.end() && it->second.aead != nullptr) return it->second.aead;
  }
  absl::StatusOr<crypto::SecretBytes> derived = DerivePSha1Key(key_.span(), params);
  if (!derived.ok()) return derived.status();
  absl::StatusOr<crypto::AesGcmKey> key = crypto::AesGcmKey::Create(derived->span());
  if (!key.ok()) return key.status();
  auto shared = std::make_shared<const crypto::AesGcmKey>(*std::move(key));
  std::lock_guard<std::mutex> lock(psha1_mu_);
  if (psha1_.size() >= kMaxPSha1Keys) psha1_.clear();
  psha1_[cache_key].aead = shared;
  return shared;
}

}  // namespace sts::protect
