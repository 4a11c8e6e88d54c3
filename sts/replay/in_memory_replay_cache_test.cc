#include "sts/replay/in_memory_replay_cache.h"

#include <string>

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::replay {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

ProofFingerprint Fingerprint(int i) {
  ProofFingerprint f{};
  f[0] = 0x42;  // what a client grinding nonces would aim with
  f[8] = static_cast<uint8_t>(i);
  f[9] = static_cast<uint8_t>(i >> 8);
  return f;
}

TEST(InMemoryReplayCacheTest, AcceptsAFingerprintOnceWhileItLives) {
  InMemoryReplayCache cache;
  const ProofFingerprint f = Fingerprint(1);
  EXPECT_TRUE(cache.CheckAndRemember(f, "alice", kNow + absl::Minutes(5), kNow).ok());
  absl::Status again =
      cache.CheckAndRemember(f, "alice", kNow + absl::Minutes(5), kNow + absl::Minutes(1));
  EXPECT_EQ(again.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(again), "wst:FailedAuthentication");
  // Another principal replaying it is a replay too.
  EXPECT_FALSE(cache.CheckAndRemember(f, "bob", kNow + absl::Minutes(5), kNow).ok());
  // Past its time the entry is gone (the proof's window check refuses it).
  EXPECT_TRUE(
      cache.CheckAndRemember(f, "alice", kNow + absl::Minutes(20), kNow + absl::Minutes(6)).ok());
}

TEST(InMemoryReplayCacheTest, TimesAreKeptToTheNanosecondTheWindowIsCheckedIn) {
  InMemoryReplayCache cache;
  const ProofFingerprint f = Fingerprint(2);
  const absl::Time forget = kNow + absl::Nanoseconds(1500);
  ASSERT_TRUE(cache.CheckAndRemember(f, "alice", forget, kNow).ok());
  EXPECT_FALSE(cache.CheckAndRemember(f, "alice", forget, forget - absl::Nanoseconds(1)).ok());
  EXPECT_TRUE(cache.CheckAndRemember(f, "alice", forget + absl::Seconds(1), forget).ok());
}

TEST(InMemoryReplayCacheTest, FailsClosedWhenFullOfLiveEntries) {
  InMemoryReplayCache cache({/*max_entries=*/16, /*max_entries_per_principal=*/1000});
  int accepted = 0;
  absl::Status last;
  for (int i = 0; i < 64; ++i) {
    last = cache.CheckAndRemember(Fingerprint(i), "p" + std::to_string(i),
                                  kNow + absl::Minutes(5), kNow);
    accepted += last.ok();
  }
  EXPECT_LE(accepted, 16);
  EXPECT_GT(accepted, 0);
  EXPECT_EQ(cache.size(), static_cast<size_t>(accepted));
  // Once the entries' time has passed, room is made again.
  EXPECT_TRUE(cache.CheckAndRemember(Fingerprint(999), "late", kNow + absl::Minutes(15),
                                     kNow + absl::Minutes(6))
                  .ok());
}

// Security review, high 2: a principal holds a bounded share, and grinding
// nonces cannot aim entries at one shard.
TEST(InMemoryReplayCacheTest, EachPrincipalHasABoundedShare) {
  InMemoryReplayCache cache({/*max_entries=*/1000, /*max_entries_per_principal=*/4});
  int accepted = 0;
  absl::Status last;
  for (int i = 0; i < 10; ++i) {
    last = cache.CheckAndRemember(Fingerprint(i), "eve", kNow + absl::Minutes(5), kNow);
    accepted += last.ok();
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(last.message().find("this principal"), std::string::npos) << last;
  EXPECT_TRUE(cache.CheckAndRemember(Fingerprint(500), "alice", kNow + absl::Minutes(5), kNow).ok());
  // Eve's share frees up as her entries leave the window.
  EXPECT_TRUE(cache.CheckAndRemember(Fingerprint(600), "eve", kNow + absl::Minutes(15),
                                     kNow + absl::Minutes(6))
                  .ok());
}

TEST(InMemoryReplayCacheTest, FingerprintsAimedAtOneShardSpreadOverAll) {
  // 160 entries in 16 shards of 10: fingerprints that share their first byte
  // (which chose the shard before) are all accepted.
  InMemoryReplayCache cache({/*max_entries=*/160, /*max_entries_per_principal=*/1000});
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    accepted += cache.CheckAndRemember(Fingerprint(i), "p" + std::to_string(i % 50),
                                       kNow + absl::Minutes(5), kNow)
                    .ok();
  }
  EXPECT_GE(accepted, 90);
}

TEST(InMemoryReplayCacheTest, PurgingDrainsPassedSecondsAndKeepsWhatIsNotDue) {
  InMemoryReplayCache cache({/*max_entries=*/100'000, /*max_entries_per_principal=*/100'000});
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(cache.CheckAndRemember(Fingerprint(i), "p", kNow + absl::Seconds(i % 3), kNow).ok());
  }
  // Far ahead: beyond the wheel's span, it waits and moves on.
  ASSERT_TRUE(cache.CheckAndRemember(Fingerprint(1000), "p", kNow + absl::Seconds(3000), kNow).ok());
  EXPECT_EQ(cache.Purge(kNow), 0u);  // nothing is due yet; the wheel now turns from here
  EXPECT_EQ(cache.Purge(kNow + absl::Milliseconds(1500)), 100u);  // the second at kNow passed
  EXPECT_EQ(cache.size(), 201u);
  EXPECT_EQ(cache.Purge(kNow + absl::Seconds(3)), 200u);
  EXPECT_EQ(cache.Purge(kNow + absl::Seconds(2000)), 0u);
  // Still remembered: a replay of it is refused until its time has passed.
  EXPECT_FALSE(cache.CheckAndRemember(Fingerprint(1000), "p", kNow + absl::Seconds(3000),
                                      kNow + absl::Seconds(2500))
                   .ok());
  EXPECT_EQ(cache.Purge(kNow + absl::Seconds(3002)), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(InMemoryReplayCacheTest, AClockThatJumpsForwardOrBackLosesNothingDue) {
  InMemoryReplayCache cache;
  ASSERT_TRUE(cache.CheckAndRemember(Fingerprint(7), "p", kNow + absl::Minutes(5), kNow).ok());
  cache.Purge(kNow - absl::Hours(1));  // backwards: nothing is due
  EXPECT_FALSE(cache.CheckAndRemember(Fingerprint(7), "p", kNow + absl::Minutes(5), kNow).ok());
  EXPECT_EQ(cache.Purge(kNow + absl::Hours(10)), 1u);  // far forward: everything due goes
}

}  // namespace
}  // namespace sts::replay
