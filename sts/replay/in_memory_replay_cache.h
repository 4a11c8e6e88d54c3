#ifndef STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_
#define STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_

#include <array>
#include <cstddef>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "sts/replay/replay_cache.h"

namespace sts::replay {

// The in-process cache: sharded hash maps, expired entries purged lazily when
// a shard fills and by Purge(). WCF's default bound is 900,000 entries.
class InMemoryReplayCache final : public ReplayCache {
 public:
  explicit InMemoryReplayCache(size_t max_entries = 900'000);

  absl::Status CheckAndRemember(const ProofFingerprint& fingerprint,
                                absl::Time forget_at, absl::Time now) override;

  // Drops entries whose time has passed; returns how many.
  size_t Purge(absl::Time now);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct FingerprintHash {
    size_t operator()(const ProofFingerprint& f) const;
  };
  struct Shard {
    mutable std::mutex mu;  // guards `entries`
    absl::flat_hash_map<ProofFingerprint, int64_t, FingerprintHash> entries;
  };
  size_t PurgeShard(Shard& shard, int64_t now_us);

  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sts::replay

#endif  // STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_
