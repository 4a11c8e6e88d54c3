#ifndef STS_POP_RATE_LIMITER_H_
#define STS_POP_RATE_LIMITER_H_

#include <array>
#include <cstddef>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::pop {

// A token bucket per principal: at most `burst` calls at once, refilled at
// `per_second`. Renew and Cancel go through it, so one authenticated client
// cannot flood the proof checks (and the replay cache behind them) however
// many contexts it holds. Time is the caller's (the injected clock). Memory is
// bounded: past `max_principals` tracked, the buckets least recently used
// are dropped (a dropped bucket starts full again, which only ever favours
// the client). Thread safe.
class PrincipalRateLimiter {
 public:
  struct Limits {
    double per_second = 20;
    double burst = 100;
    size_t max_principals = 100'000;
  };
  explicit PrincipalRateLimiter(const Limits& limits);

  // OK, or RESOURCE_EXHAUSTED with wst:RequestFailed saying when to retry.
  absl::Status Admit(absl::string_view principal, absl::Time now);

 private:
  static constexpr size_t kShards = 16;
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };
  struct Shard {
    std::mutex mu;  // guards `buckets`
    absl::flat_hash_map<std::string, Bucket> buckets;
  };
  void MakeRoom(Shard& shard, absl::Time now);

  Limits limits_;
  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sts::pop

#endif  // STS_POP_RATE_LIMITER_H_
