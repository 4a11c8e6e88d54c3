#ifndef STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_
#define STS_REPLAY_IN_MEMORY_REPLAY_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

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
  struct Shard {
    mutable std::mutex mu;  // guards `entries`
    absl::flat_hash_map<ProofFingerprint, Entry, FingerprintHash> entries;
  };
  // Live entries per principal, striped by the principal's hash. Taken after
  // a shard's lock, never before.
  struct Counts {
    std::mutex mu;  // guards `live`
    absl::flat_hash_map<uint64_t, size_t> live;
  };

  uint64_t ShardIndex(const ProofFingerprint& fingerprint) const;
  uint64_t PrincipalKey(absl::string_view principal) const;
  // Erases expired entries of `shard` (whose lock the caller holds).
  size_t PurgeShard(Shard& shard, int64_t now_ns);
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
