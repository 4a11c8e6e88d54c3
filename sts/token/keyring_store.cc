#include "absl/strings/str_cat.h"
#include "sts/token/context_store.h"

namespace sts::token {

absl::Status KeyringStore::Create(const keyring::TokenId& id, absl::string_view principal,
                                  absl::string_view applies_to, uint32_t instance,
                                  absl::Span<const uint8_t> key,
                                  const keyring::TokenTimeline& timeline,
                                  sts::v1::SecurityContextToken* token) {
  if (absl::Status s = keyring_->Insert(id, principal, applies_to, instance, key, timeline);
      !s.ok()) {
    return s;
  }
  token->set_identifier(id.ToUrn());
  token->set_instance(absl::StrCat(instance));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<keyring::TokenView>> KeyringStore::Find(
    const keyring::TokenId& id, const sts::v1::SecurityContextToken&, absl::Time now) {
  return keyring_->Find(id, now, /*with_keys=*/true);
}

absl::Status KeyringStore::Rotate(const keyring::TokenId& id,
                                  const sts::v1::SecurityContextToken&, absl::Time now,
                                  absl::Span<const uint8_t> new_key,
                                  const keyring::TokenTimeline& timeline, absl::Time pending_until,
                                  bool allow_expired, sts::v1::SecurityContextToken* token) {
  absl::StatusOr<uint32_t> instance =
      keyring_->Rotate(id, now, new_key, timeline, pending_until, allow_expired);
  if (!instance.ok()) return instance.status();
  token->set_identifier(id.ToUrn());
  token->set_instance(absl::StrCat(*instance));
  return absl::OkStatus();
}

absl::Status KeyringStore::Cancel(const keyring::TokenId& id,
                                  const sts::v1::SecurityContextToken&, absl::Time now,
                                  absl::Time forget_after) {
  return keyring_->Cancel(id, now, forget_after).status();
}

}  // namespace sts::token
