#include "sts/pop/rate_limiter.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::pop {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

TEST(RateLimiterTest, ABurstThenTheSustainedRate) {
  PrincipalRateLimiter limiter({/*per_second=*/2, /*burst=*/5, /*max_principals=*/100});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Admit("eve", kT0).ok()) << i;
  absl::Status refused = limiter.Admit("eve", kT0);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(refused), "wst:RequestFailed");
  EXPECT_NE(refused.message().find("retry in 500 ms"), std::string::npos) << refused;
  EXPECT_TRUE(limiter.Admit("eve", kT0 + absl::Milliseconds(500)).ok());
  EXPECT_FALSE(limiter.Admit("eve", kT0 + absl::Milliseconds(500)).ok());
}

TEST(RateLimiterTest, PrincipalsHaveTheirOwnBuckets) {
  PrincipalRateLimiter limiter({1, 1, 100});
  EXPECT_TRUE(limiter.Admit("eve", kT0).ok());
  EXPECT_FALSE(limiter.Admit("eve", kT0).ok());
  EXPECT_TRUE(limiter.Admit("alice", kT0).ok());
}

TEST(RateLimiterTest, MemoryIsBoundedAndForgettingOnlyFavoursTheClient) {
  PrincipalRateLimiter limiter({1, 1, /*max_principals=*/16});
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(limiter.Admit("p" + std::to_string(i), kT0 + absl::Milliseconds(i)).ok());
  }
  // An empty bucket of a principal still tracked keeps refusing.
  EXPECT_TRUE(limiter.Admit("last", kT0 + absl::Seconds(2)).ok());
  EXPECT_FALSE(limiter.Admit("last", kT0 + absl::Seconds(2)).ok());
}

}  // namespace
}  // namespace sts::pop
