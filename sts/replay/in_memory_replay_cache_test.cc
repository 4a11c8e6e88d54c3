#include "sts/replay/in_memory_replay_cache.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::replay {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(InMemoryReplayCacheTest, AcceptsAFingerprintOnceWhileItLives) {
  InMemoryReplayCache cache;
  ProofFingerprint f{};
  f[3] = 1;
  EXPECT_TRUE(cache.CheckAndRemember(f, kNow + absl::Minutes(5), kNow).ok());
  absl::Status again = cache.CheckAndRemember(f, kNow + absl::Minutes(5), kNow + absl::Minutes(1));
  EXPECT_EQ(again.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(again), "wst:FailedAuthentication");
  // Past its time the entry is gone (the proof's window check refuses it).
  EXPECT_TRUE(cache.CheckAndRemember(f, kNow + absl::Minutes(20), kNow + absl::Minutes(6)).ok());
}

TEST(InMemoryReplayCacheTest, FailsClosedWhenFullOfLiveEntries) {
  InMemoryReplayCache cache(/*max_entries=*/16);  // one entry per shard
  ProofFingerprint f{};
  int accepted = 0;
  absl::Status last;
  for (int i = 0; i < 64; ++i) {
    f[0] = static_cast<uint8_t>(i);
    last = cache.CheckAndRemember(f, kNow + absl::Minutes(5), kNow);
    accepted += last.ok();
  }
  EXPECT_EQ(accepted, 16);
  EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted);
  // Once the entries' time has passed, room is made again.
  EXPECT_TRUE(cache.CheckAndRemember(f, kNow + absl::Minutes(15), kNow + absl::Minutes(6)).ok());
}

}  // namespace
}  // namespace sts::replay
