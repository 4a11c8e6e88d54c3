#ifndef STS_SHARED_REDIS_SHARED_STATE_H_
#define STS_SHARED_REDIS_SHARED_STATE_H_

#include <string>

#include "sts/pop/replay_cache.h"
#include "sts/shared/redis_client.h"
#include "sts/shared/shared_state.h"

namespace sts::shared {

// SharedState in Redis: one hash per identifier that was renewed or
// cancelled, "<prefix>ctx:<hex id>" with fields `cancelled`, `instance`,
// `until:<instance>` (ms) and `keep` (ms), expiring at `keep`. Changes run as
// Lua scripts, so concurrent renewals on different replicas never yield the
// same instance. Borrows `redis`.
class RedisSharedState final : public SharedState {
 public:
  RedisSharedState(RedisClient* redis, std::string prefix = "sts:")
      : redis_(redis), prefix_(std::move(prefix)) {}

  absl::StatusOr<ContextState> Get(const keyring::TokenId& id) override;
  absl::StatusOr<uint32_t> Supersede(const keyring::TokenId& id, uint32_t from,
                                     absl::Time from_accept_until, absl::Time keep_until) override;
  absl::Status Cancel(const keyring::TokenId& id, absl::Time keep_until) override;

 private:
  std::string Key(const keyring::TokenId& id) const;
  RedisClient* redis_;
  std::string prefix_;
};

// The proof-of-possession replay cache in Redis, shared by every replica:
// "<prefix>pop:<hex fingerprint>" set with NX, expiring when the proof leaves
// its time window. Borrows `redis`.
class RedisReplayCache final : public pop::ReplayCache {
 public:
  RedisReplayCache(RedisClient* redis, std::string prefix = "sts:")
      : redis_(redis), prefix_(std::move(prefix)) {}

  absl::Status CheckAndRemember(const pop::ProofFingerprint& fingerprint, absl::Time forget_at,
                                absl::Time now) override;

 private:
  RedisClient* redis_;
  std::string prefix_;
};

}  // namespace sts::shared

#endif  // STS_SHARED_REDIS_SHARED_STATE_H_
