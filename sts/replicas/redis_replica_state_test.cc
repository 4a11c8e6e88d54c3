#include "sts/replicas/redis_replica_state.h"

#include <atomic>
#include <set>
#include <thread>

#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "tests/harness/redis_process.h"

namespace sts::replicas {
namespace {

class RedisReplicaStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    redis::RedisClient::Options options = *redis::RedisClient::ParseAddress(redis_->address());
    client_ = std::make_unique<redis::RedisClient>(options);
    state_ = std::make_unique<RedisReplicaState>(client_.get());
  }

  std::unique_ptr<testing::RedisProcess> redis_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisReplicaState> state_;
  const token::TokenId id_ = *token::TokenId::Generate();
  const absl::Time now_ = absl::Now();
};

TEST_F(RedisReplicaStateTest, AnIssuedContextHasNoState) {
  absl::StatusOr<ContextState> state = state_->Get(id_);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->cancelled);
  EXPECT_EQ(state->current_instance, 0u);
}

TEST_F(RedisReplicaStateTest, RenewalsRecordWindowsAndCancelWins) {
  ASSERT_EQ(*state_->Supersede(id_, 1, now_ + absl::Minutes(5), now_ + absl::Hours(1), now_), 2u);
  ASSERT_EQ(*state_->Supersede(id_, 2, now_ + absl::Minutes(6), now_ + absl::Hours(2), now_), 3u);
  // Renewing the same old instance again neither reuses an instance nor
  // extends that instance's window.
  ASSERT_EQ(*state_->Supersede(id_, 1, now_ + absl::Minutes(50), now_ + absl::Hours(2), now_), 4u);
  ContextState state = *state_->Get(id_);
  EXPECT_EQ(state.current_instance, 4u);
  EXPECT_EQ(absl::ToUnixMillis(state.superseded_until[1]), absl::ToUnixMillis(now_ + absl::Minutes(5)));
  EXPECT_EQ(absl::ToUnixMillis(state.superseded_until[2]), absl::ToUnixMillis(now_ + absl::Minutes(6)));
  ASSERT_TRUE(state_->Cancel(id_, now_ + absl::Hours(1), now_).ok());
  EXPECT_TRUE(state_->Get(id_)->cancelled);
  EXPECT_EQ(wire::FaultNameOf(state_->Supersede(id_, 4, now_, now_ + absl::Hours(1), now_).status()),
            "wst:InvalidSecurityToken");
}

TEST_F(RedisReplicaStateTest, ConcurrentRenewalsNeverShareAnInstance) {
  std::set<uint32_t> seen;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        absl::StatusOr<uint32_t> instance = state_->Supersede(id_, 1, now_ + absl::Minutes(5), now_ + absl::Hours(1), now_);
        ASSERT_TRUE(instance.ok()) << instance.status();
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(seen.insert(*instance).second) << *instance;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(RedisReplicaStateTest, OutageIsUnavailableAndTheClientReconnectsByItself) {
  ASSERT_TRUE(state_->Get(id_).ok());  // a pooled connection now exists
  redis_->Stop();
  absl::StatusOr<ContextState> down = state_->Get(id_);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(wire::FaultNameOf(down.status()), "wst:RequestFailed");
  EXPECT_EQ(state_->Cancel(id_, now_, now_).code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(state_->Get(id_).ok());
  EXPECT_TRUE(state_->Cancel(id_, now_ + absl::Hours(1), now_).ok());
}

}  // namespace
}  // namespace sts::replicas
