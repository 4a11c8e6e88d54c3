#ifndef STS_COOKIE_COOKIE_STORE_H_
#define STS_COOKIE_COOKIE_STORE_H_

#include <cstdint>

#include "sts/cookie/cookie_sealer.h"
#include "sts/replicas/replica_state.h"
#include "sts/token/context_store.h"

namespace sts::cookie {

// Stateless ("cookie") security contexts: the token a client holds carries
// the whole context (key, principal, applies_to, instance, lifetime, the keys
// still rolling over) sealed under the master keyset, so any replica holding
// the keyset serves it and a restart loses nothing. Only cancellations and
// renewals are written, to the SharedState replicas share (Redis, or this
// process alone); issuing writes nothing.
//
// What differs from the keyring, by nature: quotas on live contexts cannot be
// enforced (nothing is counted); Validate needs the token's cookie, not just
// its identifier; and renewing one old cookie twice yields two newer ones of
// which each carries only the key it was renewed from.
class CookieStore final : public token::ContextStore {
 public:
  struct Options {
    uint32_t max_pending_keys = 5;
    // When the shared state cannot be read, a cancellation made elsewhere is
    // unseen. Find then answers from the cookie alone, marked
    // revocation_state_unknown and without keys (the default: fail closed
    // for keys); with release_keys_when_unavailable, with its keys; with
    // refuse_validate_when_unavailable, not at all (UNAVAILABLE). Rotate and
    // Cancel always refuse: they must write.
    bool refuse_validate_when_unavailable = false;
    bool release_keys_when_unavailable = false;
  };

  // Borrows `sealer` and `state`.
  CookieStore(const Options& options, const CookieSealer* sealer, replicas::ReplicaState* state);

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
  // Opens `target`'s cookie and checks it belongs to `id`.
  absl::StatusOr<CookieContents> OpenFor(const token::TokenId& id,
                                         const sts::v1::SecurityContextToken& target) const;
  absl::Status Fill(const CookieContents& contents, sts::v1::SecurityContextToken* issued) const;

  Options options_;
  const CookieSealer* sealer_;
  replicas::ReplicaState* state_;
};

}  // namespace sts::cookie

#endif  // STS_COOKIE_COOKIE_STORE_H_
