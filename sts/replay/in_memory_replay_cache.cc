#include "sts/replay/in_memory_replay_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/digest.h"
#include "client/crypto/random.h"
#include "client/wire/fault.h"

namespace sts::replay {
namespace {

using wire::Refuse;
using wire::Refusal;

uint64_t RandomKey() {
  uint64_t key = 0;
  absl::StatusOr<std::string> bytes = crypto::RandomBytes(sizeof(key));
  // Without a CSPRNG the process cannot mint keys either; a fixed key only
  // weakens shard spreading, never replay detection.
  if (bytes.ok()) std::memcpy(&key, bytes->data(), sizeof(key));
  return key;
}

}  // namespace

size_t InMemoryReplayCache::FingerprintHash::operator()(const ProofFingerprint& f) const {
  // Fingerprints are SHA-256 output: any 8 of their bytes are already uniform.
  size_t h;
  std::memcpy(&h, f.data() + 8, sizeof(h));
  return h;
}

InMemoryReplayCache::InMemoryReplayCache(const Limits& limits)
    : limits_(limits),
      max_per_shard_((std::max<size_t>(limits.max_entries, 1) + kShards - 1) / kShards),
      shard_key_(RandomKey()),
      principal_key_(RandomKey()) {}

uint64_t InMemoryReplayCache::ShardIndex(const ProofFingerprint& fingerprint) const {
  // A client chooses its nonces, so it could aim plain fingerprint bytes at
  // one shard; under a secret key it cannot.
  std::array<uint8_t, sizeof(uint64_t) + sizeof(ProofFingerprint)> input;
  std::memcpy(input.data(), &shard_key_, sizeof(shard_key_));
  std::memcpy(input.data() + sizeof(shard_key_), fingerprint.data(), fingerprint.size());
  const auto digest = crypto::Sha256(absl::MakeConstSpan(input));
  uint64_t out;
  std::memcpy(&out, digest.data(), sizeof(out));
  return out % kShards;
}

uint64_t InMemoryReplayCache::PrincipalKey(absl::string_view principal) const {
  // Principals come from certificates the CA issued, not from the request;
  // a collision would only merge two principals' budgets.
  return absl::HashOf(principal_key_, principal);
}

void InMemoryReplayCache::Release(uint64_t principal) {
  Counts& counts = counts_[principal % kShards];
  std::lock_guard<std::mutex> lock(counts.mu);
  auto it = counts.live.find(principal);
  if (it == counts.live.end()) return;
  if (--it->second == 0) counts.live.erase(it);
}

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// The whole second `ns` falls in (rounded down, also before 1970).
int64_t SecondOf(int64_t ns) {
  return ns >= 0 ? ns / kNanosPerSecond : -((-ns + kNanosPerSecond - 1) / kNanosPerSecond);
}

}  // namespace

void InMemoryReplayCache::File(Shard& shard, const ProofFingerprint& fingerprint,
                               int64_t forget_at_ns, int64_t now_ns) {
  const int64_t second = std::min(SecondOf(forget_at_ns), SecondOf(now_ns) + kWheelSeconds - 1);
  const int64_t slot = ((second % kWheelSeconds) + kWheelSeconds) % kWheelSeconds;
  shard.wheel[slot].push_back(fingerprint);
}

size_t InMemoryReplayCache::PurgeShard(Shard& shard, int64_t now_ns) {
  // Only whole seconds that have passed: everything filed under them is due
  // (what is due within the current second is caught by the look-up, which
  // compares nanoseconds).
  const int64_t last = SecondOf(now_ns) - 1;
  if (shard.drained_through == INT64_MIN) shard.drained_through = last - kWheelSeconds;
  if (last <= shard.drained_through) return 0;
  const int64_t first = std::max(shard.drained_through + 1, last - kWheelSeconds + 1);
  size_t purged = 0;
  std::vector<ProofFingerprint> later;
  for (int64_t second = first; second <= last; ++second) {
    std::vector<ProofFingerprint>& bucket =
        shard.wheel[((second % kWheelSeconds) + kWheelSeconds) % kWheelSeconds];
    for (const ProofFingerprint& fingerprint : bucket) {
      auto it = shard.entries.find(fingerprint);
      if (it == shard.entries.end()) continue;  // gone already (a replaced entry's old filing)
      if (it->second.forget_at_ns < now_ns) {
        Release(it->second.principal);
        shard.entries.erase(it);
        ++purged;
      } else {
        // Not due: it waited in the wheel's last bucket, or shares a bucket
        // with a passed second (slots repeat every kWheelSeconds).
        later.push_back(fingerprint);
      }
    }
    bucket.clear();
    bucket.shrink_to_fit();
  }
  shard.drained_through = last;
  for (const ProofFingerprint& fingerprint : later) {
    auto it = shard.entries.find(fingerprint);
    if (it != shard.entries.end()) File(shard, fingerprint, it->second.forget_at_ns, now_ns);
  }
  return purged;
}

bool InMemoryReplayCache::Reserve(uint64_t principal) {
  Counts& counts = counts_[principal % kShards];
  std::lock_guard<std::mutex> lock(counts.mu);
  size_t& live = counts.live[principal];
  if (live >= limits_.max_entries_per_principal) {
    if (live == 0) counts.live.erase(principal);
    return false;
  }
  ++live;
  return true;
}

absl::Status InMemoryReplayCache::CheckAndRemember(const ProofFingerprint& fingerprint,
                                                   absl::string_view principal,
                                                   absl::Time forget_at, absl::Time now) {
  const int64_t now_ns = absl::ToUnixNanos(now);
  const uint64_t who = PrincipalKey(principal);
  Shard& shard = shards_[ShardIndex(fingerprint)];
  const auto replayed = [&] {
    auto it = shard.entries.find(fingerprint);
    if (it == shard.entries.end()) return false;
    if (it->second.forget_at_ns > now_ns) return true;
    Release(it->second.principal);
    shard.entries.erase(it);
    return false;
  };
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (replayed()) {
      return Refuse(Refusal::kBadProof, "replayed proof of possession (nonce already used)");
    }
  }
  // The principal's share, taken with no shard lock held: a principal at its
  // share first has its expired entries purged (the sweeper also does, every
  // sweep interval).
  if (!Reserve(who) && (Purge(now) == 0 || !Reserve(who))) {
    return Refuse(Refusal::kQuotaExceeded,
                  absl::StrCat("this principal already has ", limits_.max_entries_per_principal,
                               " proofs inside the time window; retry once older ones leave it"));
  }
  std::lock_guard<std::mutex> lock(shard.mu);
  if (replayed()) {  // the same proof, accepted meanwhile on another thread
    Release(who);
    return Refuse(Refusal::kBadProof, "replayed proof of possession (nonce already used)");
  }
  if (shard.entries.size() >= max_per_shard_ && PurgeShard(shard, now_ns) == 0) {
    Release(who);
    return Refuse(Refusal::kQuotaExceeded,
                  "replay cache full; retry once older proofs leave the time window");
  }
  const int64_t forget_at_ns = absl::ToUnixNanos(forget_at);
  shard.entries.emplace(fingerprint, Entry{forget_at_ns, who});
  File(shard, fingerprint, forget_at_ns, now_ns);
  return absl::OkStatus();
}

size_t InMemoryReplayCache::Purge(absl::Time now) {
  size_t purged = 0;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    purged += PurgeShard(shard, absl::ToUnixNanos(now));
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
