#include "sts/keyring/keyring_store.h"

#include "absl/strings/str_cat.h"

namespace sts::keyring {

absl::Status KeyringStore::Create(const token::TokenId& id, absl::string_view principal,
                                  absl::string_view applies_to, uint32_t instance,
                                  absl::Span<const uint8_t> key,
                                  const token::TokenTimeline& timeline,
                                  sts::v1::SecurityContextToken* issued) {
  if (absl::Status s = keyring_->Insert(id, principal, applies_to, instance, key, timeline);
      !s.ok()) {
    return s;
  }
  issued->set_identifier(id.ToUrn());
  issued->set_instance(absl::StrCat(instance));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<token::TokenView>> KeyringStore::Find(
    const token::TokenId& id, const sts::v1::SecurityContextToken&, absl::Time now) {
  return keyring_->Find(id, now, /*with_keys=*/true);
}

absl::Status KeyringStore::Rotate(const token::TokenId& id,
                                  const sts::v1::SecurityContextToken&, absl::Time now,
                                  absl::Span<const uint8_t> new_key,
                                  const token::TokenTimeline& timeline, absl::Time pending_until,
                                  bool allow_expired, sts::v1::SecurityContextToken* issued) {
  absl::StatusOr<uint32_t> instance =
      keyring_->Rotate(id, now, new_key, timeline, pending_until, allow_expired);
  if (!instance.ok()) return instance.status();
  issued->set_identifier(id.ToUrn());
  issued->set_instance(absl::StrCat(*instance));
  return absl::OkStatus();
}

absl::Status KeyringStore::Cancel(const token::TokenId& id,
                                  const sts::v1::SecurityContextToken&, absl::Time now,
                                  absl::Time forget_after) {
  return keyring_->Cancel(id, now, forget_after).status();
}

}  // namespace sts::keyring
