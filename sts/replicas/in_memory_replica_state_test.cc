#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "sts/replicas/replica_state.h"

namespace sts::replicas {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

token::TokenId NewId() { return *token::TokenId::Generate(); }

absl::StatusOr<uint32_t> Renew(InMemoryReplicaState& state, const token::TokenId& id,
                               absl::Time keep_until, absl::Time now = kT0) {
  return state.Supersede(id, 1, now + absl::Minutes(5), keep_until, now);
}

TEST(InMemoryReplicaStateTest, ARenewalPastTheBoundIsRefusedAndKnownEntriesGoOn) {
  InMemoryReplicaState state(/*max_entries=*/3);
  const token::TokenId a = NewId(), b = NewId(), c = NewId();
  ASSERT_TRUE(Renew(state, a, kT0 + absl::Hours(1)).ok());
  ASSERT_TRUE(Renew(state, b, kT0 + absl::Hours(1)).ok());
  ASSERT_TRUE(Renew(state, c, kT0 + absl::Hours(1)).ok());
  absl::StatusOr<uint32_t> refused = Renew(state, NewId(), kT0 + absl::Hours(1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(refused.status()), "wst:RequestFailed");
  EXPECT_EQ(state.size(), 3u);
  // A context already recorded needs no new entry.
  EXPECT_EQ(*Renew(state, a, kT0 + absl::Hours(1)), 3u);
}

TEST(InMemoryReplicaStateTest, EntriesPastTheirKeepUntilMakeRoomFirst) {
  InMemoryReplicaState state(2);
  ASSERT_TRUE(Renew(state, NewId(), kT0 + absl::Minutes(10)).ok());
  ASSERT_TRUE(state.Cancel(NewId(), kT0 + absl::Minutes(20), kT0).ok());
  const absl::Time later = kT0 + absl::Minutes(30);  // both are over
  EXPECT_TRUE(Renew(state, NewId(), later + absl::Hours(1), later).ok());
  EXPECT_TRUE(Renew(state, NewId(), later + absl::Hours(1), later).ok());
  EXPECT_EQ(state.size(), 2u);
}

// A full table takes a cancellation by forgetting the renewal record that
// expires soonest (its old instance then validates until its own expiry
// instead of its rollover end), never another cancellation still in force
// (that would bring a cancelled context back to life).
TEST(InMemoryReplicaStateTest, ACancelEvictsTheSoonestRenewalNeverACancellation) {
  InMemoryReplicaState state(3);
  const token::TokenId cancelled = NewId(), soon = NewId(), late = NewId();
  ASSERT_TRUE(state.Cancel(cancelled, kT0 + absl::Minutes(5), kT0).ok());
  ASSERT_TRUE(Renew(state, late, kT0 + absl::Hours(2)).ok());
  ASSERT_TRUE(Renew(state, soon, kT0 + absl::Hours(1)).ok());

  const token::TokenId next = NewId();
  ASSERT_TRUE(state.Cancel(next, kT0 + absl::Hours(1), kT0).ok());
  EXPECT_EQ(state.size(), 3u);
  EXPECT_TRUE(state.Get(next)->cancelled);
  EXPECT_TRUE(state.Get(cancelled)->cancelled);  // sooner, but a cancellation
  EXPECT_EQ(state.Get(soon)->current_instance, 0u);  // forgotten
  EXPECT_EQ(state.Get(late)->current_instance, 2u);

  ASSERT_TRUE(state.Cancel(NewId(), kT0 + absl::Hours(1), kT0).ok());  // evicts `late`
  EXPECT_EQ(state.Get(late)->current_instance, 0u);
  // Only cancellations in force are left: the next one is refused, and the
  // holder, told so, knows its context was not cancelled.
  const absl::Status full = state.Cancel(NewId(), kT0 + absl::Hours(1), kT0);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(full), "wst:RequestFailed");
  EXPECT_TRUE(state.Get(cancelled)->cancelled);
  // Cancelling a context already recorded still works, and so does renewing
  // one: a cancelled one is refused as cancelled, not as full.
  EXPECT_TRUE(state.Cancel(next, kT0 + absl::Hours(2), kT0).ok());
  EXPECT_EQ(wire::FaultNameOf(Renew(state, next, kT0 + absl::Hours(1)).status()),
            "wst:InvalidSecurityToken");
  // Once the first cancellation is over, there is room again.
  const absl::Time later = kT0 + absl::Minutes(6);
  EXPECT_TRUE(state.Cancel(NewId(), later + absl::Hours(1), later).ok());
}

TEST(InMemoryReplicaStateTest, AKeepUntilThatGrowsIsHonoured) {
  InMemoryReplicaState state(1);
  const token::TokenId id = NewId();
  ASSERT_TRUE(Renew(state, id, kT0 + absl::Minutes(10)).ok());
  ASSERT_TRUE(state.Cancel(id, kT0 + absl::Hours(1), kT0).ok());
  // Past the first keep_until, the entry (now a cancellation) stays.
  const absl::Time later = kT0 + absl::Minutes(30);
  EXPECT_EQ(Renew(state, NewId(), later + absl::Hours(1), later).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(state.Get(id)->cancelled);
  EXPECT_EQ(state.Purge(kT0 + absl::Hours(1)), 1u);
  EXPECT_EQ(state.size(), 0u);
}

}  // namespace
}  // namespace sts::replicas
