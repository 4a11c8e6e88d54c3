// Replay detection for protected messages: per (context identifier,
// direction), a sliding window of sequence numbers, as IPsec ESP keeps one
// (RFC 4303 section 3.4.3), beside the timestamp window the receiver checks.
//
// Contract:
//  - SequenceWindow accepts each number once; it remembers the highest
//    number seen and the kSize numbers below it, and refuses anything older
//    (it cannot tell whether that was seen). Thread-compatible.
//  - ReplayGuard is thread-safe (sharded std::mutex). It forgets the windows
//    of contexts idle for more than twice the timestamp window, which is
//    safe: a message accepted at time t had |created - t| <= window, so a
//    copy of it arriving after t + 2 * window fails the timestamp check
//    anyway. It never holds more than `max_windows` windows; when a shard is
//    full of live windows it refuses new contexts (RESOURCE_EXHAUSTED,
//    wst:RequestFailed) rather than forget a live one.
#ifndef STS_CLIENT_PROTECT_REPLAY_H_
#define STS_CLIENT_PROTECT_REPLAY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/protect/derived_key.h"

namespace sts::protect {

class SequenceWindow {
 public:
  // How far behind the highest number a message may arrive. 4096, not
  // IPsec's customary 64 or 1024: calls in flight on one context overtake
  // each other in a busy receiver, and in the benchmark (32 in flight,
  // ~40,000 calls/s on one pinned core, a handler thread descheduled for
  // tens of milliseconds) one call in 275,000 arrived more than 1024 behind
  // and was refused. 4096 numbers cover 100 ms at that rate. Memory: 512
  // bytes per direction, 1 KiB per context.
  static constexpr uint64_t kSize = 4096;

  enum class Result { kAccepted, kReplayed, kTooOld };
  // Records `sequence` and returns kAccepted if it was neither seen nor below
  // the window.
  Result Accept(uint64_t sequence);

 private:
  bool Test(uint64_t s) const { return (bits_[(s % kSize) / 64] >> (s % 64)) & 1; }
  void Set(uint64_t s) { bits_[(s % kSize) / 64] |= uint64_t{1} << (s % 64); }
  void Clear(uint64_t s) { bits_[(s % kSize) / 64] &= ~(uint64_t{1} << (s % 64)); }

  bool any_ = false;
  uint64_t highest_ = 0;
  std::array<uint64_t, kSize / 64> bits_{};
};

class ReplayGuard {
 public:
  ReplayGuard(absl::Duration timestamp_window, size_t max_windows);

  // OK when (identifier, direction, sequence) is new, recording it;
  // wst:FailedAuthentication ("replayed") when it was seen or is below the
  // window. Call only for messages that authenticated, so that nobody
  // without the key can move a window.
  absl::Status Accept(absl::string_view identifier, Direction direction, uint64_t sequence,
                      absl::Time now);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Windows {
    SequenceWindow direction[2];
    absl::Time last_accept;
  };
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string, Windows> windows;  // guarded by mu
  };

  const absl::Duration idle_limit_;
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_REPLAY_H_
