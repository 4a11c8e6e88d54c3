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

}  // namespace sts

#endif  // STS_CLIENT_CLOCK_H_
