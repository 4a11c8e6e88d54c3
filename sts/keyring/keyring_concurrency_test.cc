// Many threads issuing, renewing, cancelling, looking up and sweeping the same
// and different tokens at once. Run under --config=tsan as well: the point is
// that the keyring's locking holds, and the quota counters end consistent.
#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sts/keyring/keyring.h"

namespace sts::keyring {
namespace {

using token::TokenId;
using token::TokenTimeline;
using token::TokenView;

TEST(KeyringConcurrencyTest, MixedOperationsKeepCountsConsistent) {
  Keyring::Limits limits;
  limits.max_live_per_principal = 1'000'000;
  Keyring keyring(limits);
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  TokenTimeline timeline{t0, t0 + absl::Hours(1), t0 + absl::Hours(1), t0 + absl::Hours(2)};
  const std::vector<uint8_t> key(32, 9);

  // Tokens every thread fights over.
  std::vector<TokenId> shared;
  for (int i = 0; i < 16; ++i) {
    shared.push_back(*TokenId::Generate());
    ASSERT_TRUE(keyring.Insert(shared.back(), "shared", "aud", 1, key, timeline).ok());
  }
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::atomic<int> cancelled_shared{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string principal = "p" + std::to_string(t);
      std::vector<TokenId> own;
      for (int r = 0; r < kRounds; ++r) {
        const TokenId& s = shared[r % shared.size()];
        switch (r % 5) {
          case 0: {
            own.push_back(*TokenId::Generate());
            ASSERT_TRUE(keyring.Insert(own.back(), principal, "", 1, key, timeline).ok());
            break;
          }
          case 1:
            keyring.Rotate(s, t0, key, timeline, t0 + absl::Minutes(5), false).IgnoreError();
            break;
          case 2: {
            std::optional<TokenView> view = keyring.Find(s, t0, true);
            ASSERT_TRUE(view.has_value());
            ASSERT_EQ(view->principal, "shared");
            break;
          }
          case 3:
            if (r % 500 == 3) {
              absl::StatusOr<Keyring::CancelOutcome> outcome =
                  keyring.Cancel(s, t0, t0 + absl::Hours(1));
              if (outcome.ok() && *outcome == Keyring::CancelOutcome::kCancelled) {
                cancelled_shared.fetch_add(1);
              }
            } else if (!own.empty()) {
              ASSERT_TRUE(keyring.Cancel(own.back(), t0, t0 + absl::Hours(1)).ok());
              own.pop_back();
            }
            break;
          case 4:
            if (r % 400 == 4) keyring.Sweep(t0 + absl::Minutes(1));
            break;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // Each thread inserted 400 and cancelled its own tokens except where a
  // round-3 slot went to a shared cancel: count what is left.
  const Keyring::Stats stats = keyring.stats();
  EXPECT_EQ(stats.live + stats.retained, stats.records);
  EXPECT_EQ(stats.live, static_cast<uint64_t>(16 - cancelled_shared.load()) +
                            kThreads * (400 - (400 - 4)));
}

}  // namespace
}  // namespace sts::keyring
