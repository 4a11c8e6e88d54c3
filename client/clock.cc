#include "client/clock.h"

namespace sts {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

const Clock* Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return clock;
}

absl::Time NonDecreasingClock::Now() const {
  const int64_t now = absl::ToUnixNanos(source_->Now());
  int64_t latest = latest_ns_.load(std::memory_order_acquire);
  while (now > latest &&
         !latest_ns_.compare_exchange_weak(latest, now, std::memory_order_acq_rel)) {
  }
  return absl::FromUnixNanos(now > latest ? now : latest);
}

}  // namespace sts
