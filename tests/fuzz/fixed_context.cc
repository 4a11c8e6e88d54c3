#include "tests/fuzz/fixed_context.h"

#include <cstdint>
#include <cstdlib>

#include "client/wire/fault.h"
#include "tests/harness/in_process_sts.h"

namespace sts::fuzz {
namespace {

std::shared_ptr<const protect::InstanceKeys> Make(FixedKeyKind kind) {
  auto info = std::make_shared<protect::ContextInfo>();
  info->identifier = kIdentifier;
  info->principal = sts::testing::kInProcessClient;
  info->applies_to = sts::testing::kInProcessAudience;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys =
      protect::InstanceKeys::Create(std::move(info), "1", FixedKey(kind));
  // Fixed, valid inputs: this fails only by a bug in InstanceKeys.
  if (!keys.ok()) std::abort();
  return *std::move(keys);
}

}  // namespace

absl::Time FixedNow() { return absl::FromUnixSeconds(1'700'000'000); }

crypto::SecretBytes FixedKey(FixedKeyKind kind) {
  crypto::SecretBytes key(32);
  const uint8_t salt = kind == FixedKeyKind::kResolved ? 0xa5 : 0x5a;
  for (size_t i = 0; i < key.size(); ++i) {
    key.mutable_span()[i] = static_cast<uint8_t>((i * 37 + 11) ^ salt);
  }
  return key;
}

std::shared_ptr<const protect::InstanceKeys> FixedInstance(FixedKeyKind kind) {
  static const std::shared_ptr<const protect::InstanceKeys> resolved =
      Make(FixedKeyKind::kResolved);
  static const std::shared_ptr<const protect::InstanceKeys> refreshed =
      Make(FixedKeyKind::kRefreshed);
  return kind == FixedKeyKind::kResolved ? resolved : refreshed;
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> FixedResolver::Resolve(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  if (token.identifier() != kIdentifier) {
    return wire::Refuse(wire::Refusal::kUnknownContext, "unknown context");
  }
  if (token.instance() != "1" && !token.instance().empty()) {
    return wire::Refuse(wire::Refusal::kUnknownKeyInstance, "unknown instance");
  }
  return FixedInstance(FixedKeyKind::kResolved);
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> FixedResolver::Refresh(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  if (!refresh_) return std::shared_ptr<const protect::InstanceKeys>();
  return FixedInstance(FixedKeyKind::kRefreshed);
}

}  // namespace sts::fuzz
