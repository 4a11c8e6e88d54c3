#ifndef STS_POP_REPLAY_CACHE_H_
#define STS_POP_REPLAY_CACHE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sts::pop {

// 16 bytes that stand for one (context, nonce) pair; see ProofVerifier.
using ProofFingerprint = std::array<uint8_t, 16>;

// Remembers the proofs already accepted, so that each is accepted once.
// Implementations are thread safe.
class ReplayCache {
 public:
  virtual ~ReplayCache() = default;

  // Records `fingerprint` until `forget_at` (when its timestamp leaves the
  // acceptance window, after which the window check refuses it anyway).
  // Refuses a fingerprint already recorded (a replay: wst:FailedAuthentication),
  // and refuses rather than forgets when full (wst:RequestFailed): a cache
  // that dropped live entries would let replays through.
  virtual absl::Status CheckAndRemember(const ProofFingerprint& fingerprint,
                                        absl::Time forget_at, absl::Time now) = 0;
};

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

}  // namespace sts::pop

#endif  // STS_POP_REPLAY_CACHE_H_
