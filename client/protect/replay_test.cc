#include "client/protect/replay.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::protect {
namespace {

using Result = SequenceWindow::Result;

TEST(SequenceWindowTest, AcceptsEachNumberOnceInAnyOrderInsideTheWindow) {
  SequenceWindow w;
  EXPECT_EQ(w.Accept(100), Result::kAccepted);
  EXPECT_EQ(w.Accept(100), Result::kReplayed);
  EXPECT_EQ(w.Accept(99), Result::kAccepted);  // late but inside the window
  EXPECT_EQ(w.Accept(99), Result::kReplayed);
  EXPECT_EQ(w.Accept(105), Result::kAccepted);
  EXPECT_EQ(w.Accept(101), Result::kAccepted);
  EXPECT_EQ(w.Accept(105), Result::kReplayed);
  EXPECT_EQ(w.Accept(101), Result::kReplayed);
}

TEST(SequenceWindowTest, RefusesWhatFellBelowTheWindow) {
  constexpr uint64_t kSize = SequenceWindow::kSize;
  static_assert(kSize == 4096, "the size docs/PROTECTED_MESSAGE.md and the Python receiver use");
  SequenceWindow w;
  EXPECT_EQ(w.Accept(5 * kSize), Result::kAccepted);
  EXPECT_EQ(w.Accept(5 * kSize - kSize + 1), Result::kAccepted);
  EXPECT_EQ(w.Accept(5 * kSize - kSize), Result::kTooOld);
  EXPECT_EQ(w.Accept(0), Result::kTooOld);
}

TEST(SequenceWindowTest, SlidingForgetsOnlyWhatLeftTheWindow) {
  constexpr uint64_t kSize = SequenceWindow::kSize;
  SequenceWindow w;
  for (uint64_t s = 1; s <= 3 * kSize; ++s) ASSERT_EQ(w.Accept(s), Result::kAccepted) << s;
  for (uint64_t s = 3 * kSize - kSize + 1; s <= 3 * kSize; ++s) {
    ASSERT_EQ(w.Accept(s), Result::kReplayed) << s;
  }
  // A jump of more than the window clears it, and the bits reused for new
  // numbers start unseen.
  const uint64_t jump = 10 * kSize;
  EXPECT_EQ(w.Accept(jump), Result::kAccepted);
  EXPECT_EQ(w.Accept(jump - 1), Result::kAccepted);
  EXPECT_EQ(w.Accept(jump - kSize + 1), Result::kAccepted);
  // A jump of less than the window: the skipped numbers are unseen even
  // though their bits held older numbers.
  EXPECT_EQ(w.Accept(jump + kSize / 2), Result::kAccepted);
  EXPECT_EQ(w.Accept(jump + kSize / 4), Result::kAccepted);
  EXPECT_EQ(w.Accept(jump), Result::kReplayed);
}

TEST(SequenceWindowTest, ZeroAndTheLargestNumber) {
  SequenceWindow w;
  EXPECT_EQ(w.Accept(0), Result::kAccepted);
  EXPECT_EQ(w.Accept(0), Result::kReplayed);
  EXPECT_EQ(w.Accept(~uint64_t{0}), Result::kAccepted);
  EXPECT_EQ(w.Accept(~uint64_t{0}), Result::kReplayed);
  EXPECT_EQ(w.Accept(~uint64_t{0} - 1), Result::kAccepted);
}

TEST(ReplayGuardTest, ContextsAndDirectionsAreIndependent) {
  ReplayGuard guard(absl::Minutes(5), 1000);
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_TRUE(guard.Accept("a", Direction::kClientToServer, 1, now).ok());
  EXPECT_TRUE(guard.Accept("a", Direction::kServerToClient, 1, now).ok());
  EXPECT_TRUE(guard.Accept("b", Direction::kClientToServer, 1, now).ok());
  const absl::Status replay = guard.Accept("a", Direction::kClientToServer, 1, now);
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(replay), "wst:FailedAuthentication");
  EXPECT_NE(replay.message().find("replayed"), absl::string_view::npos);
  EXPECT_EQ(guard.size(), 2u);
}

TEST(ReplayGuardTest, BoundedAndForgetsOnlyIdleContexts) {
  // 16 shards of 1 window each.
  ReplayGuard guard(absl::Minutes(5), 16);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    const absl::Status s = guard.Accept("ctx-" + std::to_string(i), Direction::kClientToServer,
                                        1, t0);
    if (!s.ok()) {
      ++refused;
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_LE(guard.size(), 16u);
  // Still live: a window is not forgotten within 2 * window of its last use.
  const absl::Time later = t0 + absl::Minutes(10);
  EXPECT_EQ(guard.Accept("new", Direction::kClientToServer, 1, later).code(),
            absl::StatusCode::kResourceExhausted);
  // Idle for longer than 2 * window: forgettable, since any copy of its
  // messages now fails the timestamp check.
  const absl::Time much_later = t0 + absl::Minutes(10) + absl::Seconds(1);
  EXPECT_TRUE(guard.Accept("new", Direction::kClientToServer, 1, much_later).ok());
}

}  // namespace
}  // namespace sts::protect
