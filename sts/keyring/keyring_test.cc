#include "sts/keyring/keyring.h"

#include <string>
#include <vector>

#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "sts/keyring/test_timeline.h"

namespace sts::keyring {
namespace {

using token::TokenId;
using token::TokenState;
using token::TokenTimeline;
using token::TokenView;
using testing::Timeline;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

std::vector<uint8_t> Key(uint8_t fill, size_t size = 32) {
  return std::vector<uint8_t>(size, fill);
}

std::vector<uint8_t> Bytes(const crypto::SecretBytes& s) {
  return std::vector<uint8_t>(s.data(), s.data() + s.size());
}

class KeyringTest : public ::testing::Test {
 protected:
  Keyring::Limits limits_;
  TokenId NewId() { return *TokenId::Generate(); }
};

TEST_F(KeyringTest, StoresAndFindsATokenWithItsKey) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "spiffe://rp", 1, Key(7), Timeline(kT0, absl::Hours(1))).ok());
  std::optional<TokenView> view = keyring.Find(id, kT0, /*with_keys=*/true);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->state, TokenState::kLive);
  EXPECT_EQ(view->principal, "alice");
  EXPECT_EQ(view->applies_to, "spiffe://rp");
  EXPECT_EQ(view->instance, 1u);
  EXPECT_EQ(view->key_bits, 256u);
  EXPECT_EQ(view->expires, kT0 + absl::Hours(1));
  ASSERT_EQ(view->keys.size(), 1u);
  EXPECT_EQ(Bytes(view->keys[0].key), Key(7));
  EXPECT_EQ(keyring.stats().live, 1u);
}

TEST_F(KeyringTest, AnIdentifierAlreadyStoredIsRefusedAndTheStoredContextKept) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "spiffe://rp", 1, Key(7), Timeline(kT0, absl::Hours(1))).ok());
  const absl::Status again =
      keyring.Insert(id, "mallory", "", 1, Key(9), Timeline(kT0, absl::Hours(2)));
  EXPECT_EQ(again.code(), absl::StatusCode::kInternal);
  std::optional<TokenView> view = keyring.Find(id, kT0, /*with_keys=*/true);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->principal, "alice");
  EXPECT_EQ(view->expires, kT0 + absl::Hours(1));
  ASSERT_EQ(view->keys.size(), 1u);
  EXPECT_EQ(Bytes(view->keys[0].key), Key(7));
  EXPECT_EQ(keyring.stats().live, 1u);
  EXPECT_EQ(keyring.stats().records, 1u);
  // The refused insert's slot went back to the pool (zeroized), not leaked.
  EXPECT_EQ(keyring.stats().key_slots, 1u);
  // The refused insert took no quota: another context for mallory fits.
  EXPECT_TRUE(keyring.Insert(NewId(), "mallory", "", 1, Key(9), Timeline(kT0, absl::Hours(1))).ok());
  EXPECT_EQ(keyring.stats().live, 2u);
}

TEST_F(KeyringTest, FindWithoutKeysCopiesNoKey) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(7), Timeline(kT0, absl::Hours(1))).ok());
  EXPECT_TRUE(keyring.Find(id, kT0, /*with_keys=*/false)->keys.empty());
  EXPECT_FALSE(keyring.Find(NewId(), kT0, true).has_value());
}

TEST_F(KeyringTest, StoresKeysOfEverySupportedSize) {
  Keyring keyring(limits_);
  for (size_t size : {16u, 32u, 48u, 64u}) {
    const TokenId id = NewId();
    ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1, size), Timeline(kT0, absl::Hours(1))).ok());
    EXPECT_EQ(keyring.Find(id, kT0, true)->keys[0].key.size(), size);
  }
  EXPECT_FALSE(keyring.Insert(NewId(), "alice", "", 1, Key(1, 65), Timeline(kT0, absl::Hours(1))).ok());
  EXPECT_FALSE(keyring.Insert(NewId(), "alice", "", 1, {}, Timeline(kT0, absl::Hours(1))).ok());
}

TEST_F(KeyringTest, PerPrincipalQuotaRefusesThenRecoversAfterCancel) {
  limits_.max_live_per_principal = 3;
  Keyring keyring(limits_);
  std::vector<TokenId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(NewId());
    ASSERT_TRUE(keyring.Insert(ids.back(), "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  }
  absl::Status refused = keyring.Insert(NewId(), "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1)));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(refused), "wst:RequestFailed");
  // Another principal is unaffected.
  EXPECT_TRUE(keyring.Insert(NewId(), "bob", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  ASSERT_TRUE(keyring.Cancel(ids[0], kT0, kT0 + absl::Minutes(10)).ok());
  EXPECT_TRUE(keyring.Insert(NewId(), "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
}

TEST_F(KeyringTest, TotalCapRefusesEveryone) {
  limits_.max_live_tokens = 2;
  Keyring keyring(limits_);
  ASSERT_TRUE(keyring.Insert(NewId(), "a", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  ASSERT_TRUE(keyring.Insert(NewId(), "b", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  EXPECT_EQ(keyring.Insert(NewId(), "c", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(keyring.stats().live, 2u);
}

TEST_F(KeyringTest, RotateKeepsTheOldKeyForTheRolloverWindow) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  const absl::Time t1 = kT0 + absl::Minutes(30);
  absl::StatusOr<uint32_t> instance =
      keyring.Rotate(id, t1, Key(2), Timeline(t1, absl::Hours(1)), t1 + absl::Minutes(5), false);
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ(*instance, 2u);
  std::optional<TokenView> view = keyring.Find(id, t1, true);
  ASSERT_EQ(view->keys.size(), 2u);
  EXPECT_EQ(view->keys[0].instance, 2u);
  EXPECT_EQ(Bytes(view->keys[0].key), Key(2));
  EXPECT_EQ(view->keys[1].instance, 1u);
  EXPECT_EQ(Bytes(view->keys[1].key), Key(1));
  EXPECT_EQ(view->keys[1].accept_until, t1 + absl::Minutes(5));
  EXPECT_EQ(view->expires, t1 + absl::Hours(1));
  // After the window, only the new key is offered; the sweeper destroys the old one.
  const absl::Time t2 = t1 + absl::Minutes(5);
  EXPECT_EQ(keyring.Find(id, t2, true)->keys.size(), 1u);
  EXPECT_EQ(keyring.Sweep(t2).keys_zeroized, 1u);
  EXPECT_EQ(keyring.Find(id, t2 - absl::Seconds(1), true)->keys.size(), 1u);
}

TEST_F(KeyringTest, SupersededKeyNeverOutlivesTheOldExpiry) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1), Timeline(kT0, absl::Minutes(2))).ok());
  const absl::Time t1 = kT0 + absl::Minutes(1);
  ASSERT_TRUE(keyring.Rotate(id, t1, Key(2), Timeline(t1, absl::Hours(1)), t1 + absl::Minutes(5), false).ok());
  EXPECT_EQ(keyring.Find(id, t1, true)->keys[1].accept_until, kT0 + absl::Minutes(2));
}

TEST_F(KeyringTest, KeepsAtMostMaxPendingKeysDroppingTheOldest) {
  limits_.max_pending_keys = 2;
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  for (uint8_t k = 2; k <= 5; ++k) {
    ASSERT_TRUE(keyring.Rotate(id, kT0, Key(k), Timeline(kT0, absl::Hours(1)), kT0 + absl::Minutes(5), false).ok());
  }
  std::optional<TokenView> view = keyring.Find(id, kT0, true);
  ASSERT_EQ(view->keys.size(), 3u);
  EXPECT_EQ(view->keys[0].instance, 5u);
  EXPECT_EQ(view->keys[1].instance, 4u);
  EXPECT_EQ(view->keys[2].instance, 3u);
  EXPECT_EQ(Bytes(view->keys[2].key), Key(3));
}

TEST_F(KeyringTest, RotateRefusesUnknownCancelledAndExpiredTokens) {
  Keyring keyring(limits_);
  const TokenTimeline t = Timeline(kT0, absl::Hours(1));
  EXPECT_EQ(wire::FaultNameOf(keyring.Rotate(NewId(), kT0, Key(2), t, kT0, false).status()),
            "wsc:BadContextToken");
  const TokenId cancelled = NewId();
  ASSERT_TRUE(keyring.Insert(cancelled, "alice", "", 1, Key(1), t).ok());
  ASSERT_TRUE(keyring.Cancel(cancelled, kT0, kT0 + absl::Minutes(10)).ok());
  EXPECT_EQ(wire::FaultNameOf(keyring.Rotate(cancelled, kT0, Key(2), t, kT0, false).status()),
            "wst:InvalidSecurityToken");
  const TokenId expired = NewId();
  ASSERT_TRUE(keyring.Insert(expired, "alice", "", 1, Key(1), t).ok());
  const absl::Time late = kT0 + absl::Hours(1);
  EXPECT_EQ(wire::FaultNameOf(
                keyring.Rotate(expired, late, Key(2), Timeline(late, absl::Hours(1)), late, false).status()),
            "wst:ExpiredData");
}

TEST_F(KeyringTest, ExpiredRenewalWhenAllowedRestoresTheTokenUnderQuota) {
  limits_.max_live_per_principal = 1;
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1),
                             Timeline(kT0, absl::Hours(1), /*key_extra=*/absl::Minutes(10))).ok());
  const absl::Time late = kT0 + absl::Hours(1) + absl::Minutes(1);
  EXPECT_EQ(keyring.Sweep(late).expired, 1u);
  EXPECT_EQ(keyring.stats().live, 0u);
  EXPECT_EQ(keyring.Find(id, late, true)->state, TokenState::kExpired);
  EXPECT_EQ(keyring.Find(id, late, true)->keys.size(), 1u);  // still retained
  absl::StatusOr<uint32_t> instance = keyring.Rotate(
      id, late, Key(2), Timeline(late, absl::Hours(1)), late + absl::Minutes(5), /*allow_expired=*/true);
  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(keyring.stats().live, 1u);
  std::optional<TokenView> view = keyring.Find(id, late, true);
  EXPECT_EQ(view->state, TokenState::kLive);
  ASSERT_EQ(view->keys.size(), 1u);  // the expired key does not roll over
  EXPECT_EQ(Bytes(view->keys[0].key), Key(2));
}

TEST_F(KeyringTest, CancelZeroizesKeysAndIsIdempotent) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  ASSERT_TRUE(keyring.Rotate(id, kT0, Key(2), Timeline(kT0, absl::Hours(1)), kT0 + absl::Minutes(5), false).ok());
  EXPECT_EQ(*keyring.Cancel(id, kT0, kT0 + absl::Minutes(10)), Keyring::CancelOutcome::kCancelled);
  EXPECT_EQ(*keyring.Cancel(id, kT0, kT0 + absl::Minutes(10)), Keyring::CancelOutcome::kAlreadyCancelled);
  std::optional<TokenView> view = keyring.Find(id, kT0, true);
  EXPECT_EQ(view->state, TokenState::kCancelled);
  EXPECT_TRUE(view->keys.empty());
  EXPECT_EQ(keyring.stats().live, 0u);
  EXPECT_EQ(keyring.stats().retained, 1u);
  EXPECT_EQ(wire::FaultNameOf(keyring.Cancel(NewId(), kT0, kT0).status()), "wsc:BadContextToken");
}

TEST_F(KeyringTest, SweepExpiresZeroizesAndForgetsOnSchedule) {
  Keyring keyring(limits_);
  const TokenId id = NewId();
  ASSERT_TRUE(keyring.Insert(id, "alice", "", 1, Key(1),
                             Timeline(kT0, absl::Minutes(5), absl::ZeroDuration(), absl::Minutes(10))).ok());
  EXPECT_EQ(keyring.Sweep(kT0 + absl::Minutes(4)).expired, 0u);
  // Expired before the sweeper ran: lookups already say so.
  EXPECT_EQ(keyring.Find(id, kT0 + absl::Minutes(5), false)->state, TokenState::kExpired);
  const Keyring::SweepStats at_expiry = keyring.Sweep(kT0 + absl::Minutes(5));
  EXPECT_EQ(at_expiry.expired, 1u);
  EXPECT_EQ(at_expiry.keys_zeroized, 1u);
  EXPECT_TRUE(keyring.Find(id, kT0 + absl::Minutes(5), true)->keys.empty());
  EXPECT_EQ(keyring.stats().live, 0u);
  EXPECT_EQ(keyring.Sweep(kT0 + absl::Minutes(15)).forgotten, 1u);
  EXPECT_FALSE(keyring.Find(id, kT0 + absl::Minutes(15), false).has_value());
  EXPECT_EQ(keyring.stats().records, 0u);
  EXPECT_EQ(keyring.stats().retained, 0u);
}

TEST_F(KeyringTest, RetainedBudgetErasesRatherThanGrows) {
  limits_.max_retained_tokens = 1;
  Keyring keyring(limits_);
  const TokenId a = NewId();
  const TokenId b = NewId();
  ASSERT_TRUE(keyring.Insert(a, "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  ASSERT_TRUE(keyring.Insert(b, "alice", "", 1, Key(1), Timeline(kT0, absl::Hours(1))).ok());
  ASSERT_TRUE(keyring.Cancel(a, kT0, kT0 + absl::Hours(1)).ok());
  ASSERT_TRUE(keyring.Cancel(b, kT0, kT0 + absl::Hours(1)).ok());
  EXPECT_EQ(keyring.Find(a, kT0, false)->state, TokenState::kCancelled);
  EXPECT_FALSE(keyring.Find(b, kT0, false).has_value());
  EXPECT_EQ(keyring.stats().records, 1u);
}

TEST_F(KeyringTest, ClearDropsEverything) {
  limits_.max_live_per_principal = 100;
  Keyring keyring(limits_);
  std::vector<TokenId> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.push_back(NewId());
    ASSERT_TRUE(keyring.Insert(ids.back(), "p" + std::to_string(i % 10), "aud", 1, Key(1),
                               Timeline(kT0, absl::Hours(1))).ok());
  }
  // Records in every state Clear meets: renewed (a pending key), cancelled
  // (retained, keyless), live.
  ASSERT_TRUE(keyring.Rotate(ids[0], kT0, Key(2), Timeline(kT0, absl::Hours(1)),
                             kT0 + absl::Minutes(5), false).ok());
  ASSERT_TRUE(keyring.Cancel(ids[1], kT0, kT0 + absl::Minutes(10)).ok());
  EXPECT_EQ(keyring.stats().live, 999u);
  EXPECT_EQ(keyring.stats().retained, 1u);
  EXPECT_EQ(keyring.Clear(), 1000u);
  const Keyring::Stats after = keyring.stats();
  EXPECT_EQ(after.live, 0u);
  EXPECT_EQ(after.retained, 0u);
  EXPECT_EQ(after.records, 0u);
  EXPECT_EQ(after.key_slots, 0u);
  EXPECT_FALSE(keyring.Find(ids[0], kT0, true).has_value());
  // Every quota came back: a principal that held its maximum gets it again.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(keyring.Insert(NewId(), "p0", "aud", 1, Key(3), Timeline(kT0, absl::Hours(1))).ok())
        << i;
  }
  EXPECT_EQ(keyring.Clear(), 100u);
}

}  // namespace
}  // namespace sts::keyring
