#ifndef STS_CLIENT_CLOCK_H_
#define STS_CLIENT_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sts {

// The one source of "now" for everything that decides by time (expiry, skew
// windows, rollover, replay windows), so tests move time instead of sleeping.
// Implementations are thread safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock. Never null, never destroyed.
  static const Clock* Real();
};

// A clock that moves only when told to. Thread safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000))
      : now_ns_(absl::ToUnixNanos(start)) {}

  absl::Time Now() const override {
    return absl::FromUnixNanos(now_ns_.load(std::memory_order_acquire));
  }
  void Set(absl::Time t) {
    now_ns_.store(absl::ToUnixNanos(t), std::memory_order_release);
  }
  void Advance(absl::Duration d) {
    now_ns_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_acq_rel);
  }

 private:
  std::atomic<int64_t> now_ns_;
};

// A clock that never goes back: each Now() is the latest time `source` has
// shown through it. The STS decides by this one, so a clock stepped forward
// and back again (an NTP correction, a resumed VM) cannot bring back what
// the forward step ended: a context seen expired stays expired, a
// cancellation or a replay-cache entry purged at the later time is not
// needed again, and a proof is judged against the latest time (refused as
// stale until the source catches up, never accepted twice). `source` must
// outlive it. Thread safe.
class NonDecreasingClock final : public Clock {
 public:
  explicit NonDecreasingClock(const Clock* source)
      : source_(source), latest_ns_(absl::ToUnixNanos(source->Now())) {}

  absl::Time Now() const override;

 private:
  const Clock* source_;
  mutable std::atomic<int64_t> latest_ns_;
};

}  // namespace sts

#endif  // STS_CLIENT_CLOCK_H_
