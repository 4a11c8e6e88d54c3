#include "client/wire/time.h"

#include "gtest/gtest.h"

namespace sts::wire {
namespace {

TEST(TimeTest, RoundTripsToTheNanosecond) {
  for (absl::Time t : {absl::UnixEpoch(), absl::FromUnixSeconds(1'800'000'000),
                       absl::FromUnixNanos(1'800'000'000'123'456'789),
                       absl::FromUnixNanos(-1), absl::FromUnixNanos(-1'500'000'000)}) {
    EXPECT_EQ(TimeOf(TimestampOf(t)), t) << t;
  }
}

TEST(TimeTest, NanosAreNormalisedBefore1970) {
  const google::protobuf::Timestamp ts = TimestampOf(absl::FromUnixNanos(-1'500'000'000));
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500'000'000);
}

TEST(TimeTest, InfiniteTimesAreClampedToTheTimestampRange) {
  const google::protobuf::Timestamp future = TimestampOf(absl::InfiniteFuture());
  EXPECT_EQ(future.seconds(), 253'402'300'799);
  EXPECT_EQ(future.nanos(), 999'999'999);
  const google::protobuf::Timestamp past = TimestampOf(absl::InfinitePast());
  EXPECT_EQ(past.seconds(), -62'135'596'800);
  EXPECT_EQ(past.nanos(), 0);
}

}  // namespace
}  // namespace sts::wire
