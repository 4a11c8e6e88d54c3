#include "sts/replay/in_memory_replay_cache.h"

#include <cstring>

#include "client/wire/fault.h"

namespace sts::replay {

using wire::Refuse;
using wire::Refusal;

size_t InMemoryReplayCache::FingerprintHash::operator()(const ProofFingerprint& f) const {
  // Fingerprints are SHA-256 output: any 8 of their bytes are already uniform.
  size_t h;
  std::memcpy(&h, f.data() + 8, sizeof(h));
  return h;
}

InMemoryReplayCache::InMemoryReplayCache(size_t max_entries)
    : max_per_shard_((max_entries + kShards - 1) / kShards) {}

size_t InMemoryReplayCache::PurgeShard(Shard& shard, int64_t now_us) {
  size_t purged = 0;
  for (auto it = shard.entries.begin(); it != shard.entries.end();) {
    auto current = it++;
    if (current->second <= now_us) {
      shard.entries.erase(current);
      ++purged;
    }
  }
  return purged;
}

absl::Status InMemoryReplayCache::CheckAndRemember(const ProofFingerprint& fingerprint,
                                                   absl::Time forget_at,
                                                   absl::Time now) {
  const int64_t now_us = absl::ToUnixMicros(now);
  Shard& shard = shards_[fingerprint[0] % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(fingerprint);
  if (it != shard.entries.end()) {
    if (it->second > now_us) {
      return Refuse(Refusal::kBadProof, "replayed proof of possession (nonce already used)");
    }
    shard.entries.erase(it);
  }
  if (shard.entries.size() >= max_per_shard_ && PurgeShard(shard, now_us) == 0) {
    return Refuse(Refusal::kQuotaExceeded,
                  "replay cache full; retry once older proofs leave the time window");
  }
  shard.entries.emplace(fingerprint, absl::ToUnixMicros(forget_at));
  return absl::OkStatus();
}

size_t InMemoryReplayCache::Purge(absl::Time now) {
  size_t purged = 0;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    purged += PurgeShard(shard, absl::ToUnixMicros(now));
  }
  return purged;
}

size_t InMemoryReplayCache::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace sts::replay
