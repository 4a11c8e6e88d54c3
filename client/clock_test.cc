#include "client/clock.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sts {
namespace {

TEST(NonDecreasingClockTest, FollowsItsSourceForward) {
  FakeClock source(absl::FromUnixSeconds(1'000));
  NonDecreasingClock clock(&source);
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'000));
  source.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'005));
}

TEST(NonDecreasingClockTest, HoldsItsLatestTimeWhenTheSourceStepsBack) {
  FakeClock source(absl::FromUnixSeconds(1'000));
  NonDecreasingClock clock(&source);
  source.Advance(absl::Hours(2));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'000) + absl::Hours(2));
  source.Set(absl::FromUnixSeconds(1'060));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'000) + absl::Hours(2));
  // It moves again once the source passes the latest time.
  source.Set(absl::FromUnixSeconds(1'000) + absl::Hours(3));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'000) + absl::Hours(3));
}

TEST(NonDecreasingClockTest, AStepBackUnseenThroughItIsNotHeld) {
  // Only the times it has returned count: a jump the clock was never read
  // during leaves nothing behind.
  FakeClock source(absl::FromUnixSeconds(1'000));
  NonDecreasingClock clock(&source);
  source.Advance(absl::Hours(2));
  source.Set(absl::FromUnixSeconds(1'010));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'010));
}

TEST(NonDecreasingClockTest, ConcurrentReadersNeverSeeTimeGoBack) {
  FakeClock source(absl::FromUnixSeconds(1'000));
  NonDecreasingClock clock(&source);
  std::vector<std::thread> readers;
  std::atomic<bool> went_back{false};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      absl::Time last = absl::InfinitePast();
      for (int i = 0; i < 20'000; ++i) {
        const absl::Time now = clock.Now();
        if (now < last) went_back = true;
        last = now;
      }
    });
  }
  for (int i = 0; i < 20'000; ++i) {
    source.Set(absl::FromUnixSeconds(1'000 + (i % 2 == 0 ? i : -i)));
  }
  for (std::thread& t : readers) t.join();
  EXPECT_FALSE(went_back);
}

}  // namespace
}  // namespace sts
