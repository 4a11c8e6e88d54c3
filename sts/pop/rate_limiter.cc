#include "sts/pop/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::pop {

PrincipalRateLimiter::PrincipalRateLimiter(const Limits& limits)
    : limits_(limits),
      max_per_shard_(std::max<size_t>(1, (limits.max_principals + kShards - 1) / kShards)) {}

void PrincipalRateLimiter::MakeRoom(Shard& shard, absl::Time now) {
  // Full buckets carry no information; drop them first, then the stalest.
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    auto current = it++;
    const double refilled =
        current->second.tokens +
        absl::ToDoubleSeconds(now - current->second.refilled) * limits_.per_second;
    if (refilled >= limits_.burst) shard.buckets.erase(current);
  }
  while (shard.buckets.size() >= max_per_shard_) {
    auto stalest = shard.buckets.begin();
    for (auto it = shard.buckets.begin(); it != shard.buckets.end(); ++it) {
      if (it->second.refilled < stalest->second.refilled) stalest = it;
    }
    shard.buckets.erase(stalest);
  }
}

absl::Status PrincipalRateLimiter::Admit(absl::string_view principal, absl::Time now) {
  Shard& shard = shards_[absl::HashOf(principal) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(principal);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) MakeRoom(shard, now);
    it = shard.buckets.emplace(std::string(principal), Bucket{limits_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  if (now > bucket.refilled) {
    bucket.tokens = std::min(limits_.burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) *
                                                                limits_.per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const double wait_ms = std::ceil((1 - bucket.tokens) / limits_.per_second * 1000);
  return wire::Refuse(wire::Refusal::kQuotaExceeded,
                      absl::StrCat("too many Renew/Cancel calls from this principal (",
                                   limits_.per_second, "/s); retry in ", wait_ms, " ms"));
}

}  // namespace sts::pop
