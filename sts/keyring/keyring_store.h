#ifndef STS_KEYRING_KEYRING_STORE_H_
#define STS_KEYRING_KEYRING_STORE_H_

#include "sts/keyring/keyring.h"
#include "sts/token/context_store.h"

namespace sts::keyring {

// The stateful ContextStore: every context lives in this process's Keyring,
// and a token is just its identifier (the cookie of a presented token is
// ignored). Quotas are the keyring's. A restart forgets every context.
// Thread safe; borrows `keyring`.
class KeyringStore final : public token::ContextStore {
 public:
  explicit KeyringStore(Keyring* keyring) : keyring_(keyring) {}

  absl::Status Create(const token::TokenId& id, absl::string_view principal,
                      absl::string_view applies_to, uint32_t instance,
                      absl::Span<const uint8_t> key, const token::TokenTimeline& timeline,
                      sts::v1::SecurityContextToken* issued) override;
  absl::StatusOr<std::optional<token::TokenView>> Find(
      const token::TokenId& id, const sts::v1::SecurityContextToken& target,
      absl::Time now) override;
  absl::Status Rotate(const token::TokenId& id, const sts::v1::SecurityContextToken& target,
                      absl::Time now, absl::Span<const uint8_t> new_key,
                      const token::TokenTimeline& timeline, absl::Time pending_until,
                      bool allow_expired, sts::v1::SecurityContextToken* issued) override;
  absl::Status Cancel(const token::TokenId& id, const sts::v1::SecurityContextToken& target,
                      absl::Time now, absl::Time forget_after) override;

 private:
  Keyring* keyring_;
};

}  // namespace sts::keyring

#endif  // STS_KEYRING_KEYRING_STORE_H_
