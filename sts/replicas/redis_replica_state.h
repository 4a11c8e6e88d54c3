#ifndef STS_REPLICAS_REDIS_REPLICA_STATE_H_
#define STS_REPLICAS_REDIS_REPLICA_STATE_H_

#include <string>
#include <utility>

#include "sts/redis/redis_client.h"
#include "sts/replicas/replica_state.h"

namespace sts::replicas {

// ReplicaState in Redis: one hash per identifier that was renewed or
// cancelled, "<prefix>ctx:<hex id>" with fields `cancelled`, `instance`,
// `until:<instance>` (ms) and `keep` (ms), expiring at `keep`. Changes run as
// Lua scripts, so concurrent renewals on different replicas never yield the
// same instance. Borrows `redis`.
class RedisReplicaState final : public ReplicaState {
 public:
  RedisReplicaState(redis::RedisClient* redis, std::string prefix = "sts:")
      : redis_(redis), prefix_(std::move(prefix)) {}

  absl::StatusOr<ContextState> Get(const token::TokenId& id) override;
  absl::StatusOr<uint32_t> Supersede(const token::TokenId& id, uint32_t from,
                                     absl::Time from_accept_until, absl::Time keep_until,
                                     absl::Time now) override;
  absl::Status Cancel(const token::TokenId& id, absl::Time keep_until, absl::Time now) override;

 private:
  std::string Key(const token::TokenId& id) const;
  redis::RedisClient* redis_;
  std::string prefix_;
};

}  // namespace sts::replicas

#endif  // STS_REPLICAS_REDIS_REPLICA_STATE_H_
