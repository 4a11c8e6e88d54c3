#ifndef STS_REPLAY_REDIS_REPLAY_CACHE_H_
#define STS_REPLAY_REDIS_REPLAY_CACHE_H_

#include <string>
#include <utility>

#include "sts/redis/redis_client.h"
#include "sts/replay/replay_cache.h"

namespace sts::replay {

// The proof-of-possession replay cache in Redis, shared by every replica:
// "<prefix>pop:<hex fingerprint>" set with NX, expiring when the proof leaves
// its time window (rounded up to Redis's milliseconds, so an entry never
// goes before the window the verifier checks in nanoseconds). Borrows
// `redis`.
class RedisReplayCache final : public replay::ReplayCache {
 public:
  RedisReplayCache(redis::RedisClient* redis, std::string prefix = "sts:")
      : redis_(redis), prefix_(std::move(prefix)) {}

  // `principal` is not used: Redis has no per-principal share; what bounds
  // one principal's entries is the per-principal Renew/Cancel rate limit on
  // every replica (pop::PrincipalRateLimiter), and Redis's own maxmemory.
  absl::Status CheckAndRemember(const ProofFingerprint& fingerprint, absl::string_view principal,
                                absl::Time forget_at, absl::Time now) override;

 private:
  redis::RedisClient* redis_;
  std::string prefix_;
};

}  // namespace sts::replay

#endif  // STS_REPLAY_REDIS_REPLAY_CACHE_H_
