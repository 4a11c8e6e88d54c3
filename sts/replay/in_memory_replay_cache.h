#ifndef STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_
#define STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_

#include <array>
#include <cstddef>
#include <climits>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "sts/replay/replay_cache.h"

namespace sts::replay {

// The in-process cache: sharded hash maps, expired entries purged lazily when
// a shard fills and by Purge(). WCF's default bound is 900,000 entries.
//
// What a client cannot steer: the shard of a fingerprint and the identity of
// a principal's budget are keyed hashes under a secret drawn at construction,
// so grinding nonces cannot aim at one shard; and each principal holds at
// most `max_entries_per_principal` live entries, so filling the cache takes
// max_entries / max_entries_per_principal principals, not one. Times are kept
// in nanoseconds, as the proof window is checked.
//
// What it costs does not grow with how much it holds: each shard keeps its
// fingerprints in a wheel of one-second buckets by the time they are
// forgotten, so purging drains only the seconds that have passed (constant
// work per entry, never a scan of the shard).
class InMemoryReplayCache final : public ReplayCache {
 public:
  struct Limits {
    size_t max_entries = 900'000;
    size_t max_entries_per_principal = 16'384;
  };
  InMemoryReplayCache() : InMemoryReplayCache(Limits()) {}
  explicit InMemoryReplayCache(const Limits& limits);

  absl::Status CheckAndRemember(const ProofFingerprint& fingerprint,
                                absl::string_view principal, absl::Time forget_at,
                                absl::Time now) override;

  // Drops entries whose time has passed; returns how many.
  size_t Purge(absl::Time now);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct FingerprintHash {
    size_t operator()(const ProofFingerprint& f) const;
  };
  struct Entry {
    int64_t forget_at_ns;
    uint64_t principal;  // keyed hash of the principal
  };
  // Seconds the wheel spans; an entry to be forgotten further ahead waits in
  // the last bucket and moves on when that bucket is drained.
  static constexpr int64_t kWheelSeconds = 1024;
  struct Shard {
    Shard() : wheel(kWheelSeconds) {}
    mutable std::mutex mu;  // guards everything below
    absl::flat_hash_map<ProofFingerprint, Entry, FingerprintHash> entries;
    std::vector<std::vector<ProofFingerprint>> wheel;  // by forget second % kWheelSeconds
    int64_t drained_through = INT64_MIN;  // every bucket up to this second is empty
  };
  // Live entries per principal, striped by the principal's hash. Taken after
  // a shard's lock, never before.
  struct Counts {
    std::mutex mu;  // guards `live`
    absl::flat_hash_map<uint64_t, size_t> live;
  };

  uint64_t ShardIndex(const ProofFingerprint& fingerprint) const;
  uint64_t PrincipalKey(absl::string_view principal) const;
  // Erases the entries of `shard` forgotten before the current second
  // (whose lock the caller holds).
  size_t PurgeShard(Shard& shard, int64_t now_ns);
  // Files `fingerprint` in the bucket of `forget_at_ns` (or the wheel's last).
  static void File(Shard& shard, const ProofFingerprint& fingerprint, int64_t forget_at_ns,
                   int64_t now_ns);
  // One more live entry for `principal`, unless at its share; and back.
  bool Reserve(uint64_t principal);
  void Release(uint64_t principal);

  Limits limits_;
  size_t max_per_shard_;
  uint64_t shard_key_;
  uint64_t principal_key_;
  std::array<Shard, kShards> shards_;
  std::array<Counts, kShards> counts_;
};

}  // namespace sts::replay

#endif  // STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_
