#include "sts/replay/redis_replay_cache.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "tests/harness/redis_process.h"

namespace sts::replay {
namespace {

// Against a real redis-server (Debian's), started on a free loopback port.
class RedisReplayCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    client_ = std::make_unique<redis::RedisClient>(
        *redis::RedisClient::ParseAddress(redis_->address()));
    replay_ = std::make_unique<RedisReplayCache>(client_.get());
  }

  std::unique_ptr<testing::RedisProcess> redis_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisReplayCache> replay_;
  const absl::Time now_ = absl::Now();
};

TEST_F(RedisReplayCacheTest, ReplayCacheAcceptsOnce) {
  ProofFingerprint f{};
  f[0] = 7;
  EXPECT_TRUE(replay_->CheckAndRemember(f, "alice", now_ + absl::Minutes(5), now_).ok());
  absl::Status replay = replay_->CheckAndRemember(f, "alice", now_ + absl::Minutes(5), now_);
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(replay), "wst:FailedAuthentication");
  f[0] = 8;
  EXPECT_TRUE(replay_->CheckAndRemember(f, "alice", now_ + absl::Minutes(5), now_).ok());
}

TEST_F(RedisReplayCacheTest, AnOutageIsUnavailableNeverAnAcceptance) {
  ProofFingerprint f{};
  f[0] = 9;
  redis_->Stop();
  absl::Status down = replay_->CheckAndRemember(f, "alice", now_ + absl::Minutes(5), now_);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(wire::FaultNameOf(down), "wst:RequestFailed");
}

}  // namespace
}  // namespace sts::replay
