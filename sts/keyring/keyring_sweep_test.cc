// Keyring::Sweep visits only the records whose due tag has come. These tests
// hold it to SweepEveryRecord, which visits all of them: the same operations
// on two keyrings, one swept each way, must leave the same contexts, states,
// keys and counts, across renewals that bring a deadline forward,
// cancellations, deadlines days away, and clock steps both ways.
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "sts/keyring/test_timeline.h"
#include "sts/keyring/keyring.h"

namespace sts::keyring {
namespace {

using token::TokenId;
using token::TokenTimeline;
using token::TokenView;
using testing::Timeline;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Keyring::Limits Limits() {
  Keyring::Limits limits;
  limits.max_live_per_principal = 1'000'000;
  limits.max_retained_tokens = 400;  // small enough that retiring erases some at once
  return limits;
}

// Two keyrings fed the same calls; `tagged` is swept with Sweep, `full` with
// SweepEveryRecord.
class Twins {
 public:
  Twins() : tagged_(Limits()), full_(Limits()) {}

  void Insert(const TokenId& id, const TokenTimeline& timeline, uint8_t fill) {
    const std::vector<uint8_t> key(32, fill);
    ASSERT_EQ(tagged_.Insert(id, "p", "rp", 1, key, timeline).ok(),
              full_.Insert(id, "p", "rp", 1, key, timeline).ok());
    ids_.push_back(id);
  }
  void Rotate(const TokenId& id, absl::Time now, const TokenTimeline& timeline,
              absl::Time pending_until, uint8_t fill) {
    const std::vector<uint8_t> key(32, fill);
    const auto a = tagged_.Rotate(id, now, key, timeline, pending_until, true);
    const auto b = full_.Rotate(id, now, key, timeline, pending_until, true);
    ASSERT_EQ(a.status(), b.status());
  }
  void Cancel(const TokenId& id, absl::Time now, absl::Time forget_after) {
    ASSERT_EQ(tagged_.Cancel(id, now, forget_after).status(),
              full_.Cancel(id, now, forget_after).status());
  }
  void Sweep(absl::Time now) {
    const Keyring::SweepStats a = tagged_.Sweep(now);
    const Keyring::SweepStats b = full_.SweepEveryRecord(now);
    EXPECT_EQ(a.expired, b.expired);
    EXPECT_EQ(a.keys_zeroized, b.keys_zeroized);
    EXPECT_EQ(a.forgotten, b.forgotten);
    ExpectSame(now);
  }
  // Same counts, and every context the same (looked up at `now`).
  void ExpectSame(absl::Time now) {
    const Keyring::Stats a = tagged_.stats();
    const Keyring::Stats b = full_.stats();
    ASSERT_EQ(a.live, b.live);
    ASSERT_EQ(a.retained, b.retained);
    ASSERT_EQ(a.records, b.records);
    ASSERT_EQ(a.key_slots, b.key_slots);
    for (const TokenId& id : ids_) {
      const std::optional<TokenView> x = tagged_.Find(id, now, true);
      const std::optional<TokenView> y = full_.Find(id, now, true);
      ASSERT_EQ(x.has_value(), y.has_value());
      if (!x.has_value()) continue;
      ASSERT_EQ(x->state, y->state);
      ASSERT_EQ(x->instance, y->instance);
      ASSERT_EQ(x->keys.size(), y->keys.size());
    }
  }
  const std::vector<TokenId>& ids() const { return ids_; }
  Keyring& tagged() { return tagged_; }

 private:
  Keyring tagged_;
  Keyring full_;
  std::vector<TokenId> ids_;
};

TEST(KeyringSweepTest, ADeadlineBroughtForwardByARenewalIsMet) {
  Twins twins;
  const TokenId id = *TokenId::Generate();
  twins.Insert(id, Timeline(kT0, absl::Hours(8), absl::ZeroDuration(), absl::Hours(1)), 1);
  twins.Sweep(kT0);  // tags the record at its expiry, 8 hours away
  // Renewed with a shorter life, and the old key kept for 30 seconds.
  twins.Rotate(id, kT0 + absl::Seconds(10),
               Timeline(kT0 + absl::Seconds(10), absl::Minutes(2), absl::ZeroDuration(),
                        absl::Minutes(1)),
               kT0 + absl::Seconds(40), 2);
  twins.Sweep(kT0 + absl::Seconds(39));
  ASSERT_EQ(twins.tagged().Find(id, kT0 + absl::Seconds(39), true)->keys.size(), 2u);
  twins.Sweep(kT0 + absl::Seconds(41));  // the old key's window ended
  EXPECT_EQ(twins.tagged().stats().key_slots, 1u);
  twins.Sweep(kT0 + absl::Seconds(131));  // the new instance expired
  EXPECT_EQ(twins.tagged().stats().live, 0u);
  twins.Sweep(kT0 + absl::Seconds(191));  // and its retention ended
  EXPECT_EQ(twins.tagged().stats().records, 0u);
}

TEST(KeyringSweepTest, DeadlinesFurtherThanATagReachesAreMet) {
  Twins twins;
  const TokenId id = *TokenId::Generate();
  // Expiry three days away: beyond what a 16-bit tag can say in seconds.
  twins.Insert(id, Timeline(kT0, absl::Hours(72), absl::ZeroDuration(), absl::Hours(1)), 1);
  for (absl::Time t = kT0; t < kT0 + absl::Hours(74); t += absl::Minutes(30)) twins.Sweep(t);
  EXPECT_EQ(twins.tagged().stats().records, 0u);
}

TEST(KeyringSweepTest, ClockStepsBothWaysKeepEveryDeadline) {
  Twins twins;
  std::vector<TokenId> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(*TokenId::Generate());
    twins.Insert(ids.back(),
                 Timeline(kT0, absl::Minutes(1 + i * 7), absl::Seconds(i), absl::Minutes(3)), 1);
  }
  twins.Sweep(kT0);
  twins.Sweep(kT0 + absl::Hours(30));  // forward past kFullScanGapSeconds: everything is due
  EXPECT_EQ(twins.tagged().stats().records, 0u);

  for (int i = 0; i < 20; ++i) {
    twins.Insert(*TokenId::Generate(),
                 Timeline(kT0, absl::Minutes(1 + i * 7), absl::Seconds(i), absl::Minutes(3)), 1);
  }
  twins.Sweep(kT0 - absl::Hours(10));  // a step back: nothing is due yet
  EXPECT_EQ(twins.tagged().stats().live, 20u);
  twins.Sweep(kT0 - absl::Minutes(30));  // back within the gap, still before kT0
  for (absl::Time t = kT0; t < kT0 + absl::Hours(3); t += absl::Seconds(37)) twins.Sweep(t);
  EXPECT_EQ(twins.tagged().stats().records, 0u);
}

// Random calls and sweeps at random steps (mostly seconds, some hours, some
// back), against the full scan after every sweep.
TEST(KeyringSweepTest, RandomCallsAndClockStepsMatchTheFullScan) {
  std::mt19937_64 random(20261207);
  auto pick = [&random](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  Twins twins;
  absl::Time now = kT0;
  for (int round = 0; round < 3000; ++round) {
    const int64_t action = pick(0, 99);
    if (action < 45) {
      const absl::Duration lifetime =
          pick(0, 9) == 0 ? absl::Hours(pick(1, 60)) : absl::Seconds(pick(1, 600));
      // Now and then a timeline long over (a replica's late copy): every
      // deadline hours in the past, due at the next sweep.
      const absl::Time created = pick(0, 19) == 0 ? now - absl::Hours(pick(12, 40)) : now;
      twins.Insert(*TokenId::Generate(),
                   Timeline(created, lifetime, absl::Seconds(pick(0, 90)),
                            absl::Seconds(pick(0, 900))),
                   static_cast<uint8_t>(round));
    } else if (action < 60 && !twins.ids().empty()) {
      const TokenId& id = twins.ids()[pick(0, twins.ids().size() - 1)];
      twins.Rotate(id, now,
                   Timeline(now, absl::Seconds(pick(1, 900)), absl::Seconds(pick(0, 60)),
                            absl::Seconds(pick(0, 300))),
                   now + absl::Seconds(pick(0, 120)), static_cast<uint8_t>(round));
    } else if (action < 67 && !twins.ids().empty()) {
      const TokenId& id = twins.ids()[pick(0, twins.ids().size() - 1)];
      twins.Cancel(id, now, now + absl::Seconds(pick(0, 600)));
    } else {
      const int64_t step = pick(0, 99);
      if (step < 80) {
        now += absl::Milliseconds(pick(0, 20'000));
      } else if (step < 90) {
        now += absl::Seconds(pick(60, 3 * 4096));
      } else {
        now -= absl::Seconds(pick(1, 2 * 4096));
      }
      twins.Sweep(now);
      if (HasFatalFailure() || HasFailure()) {
        ADD_FAILURE() << "diverged at round " << round;
        return;
      }
    }
  }
}

}  // namespace
}  // namespace sts::keyring
