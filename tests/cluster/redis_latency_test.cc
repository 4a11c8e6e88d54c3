// A slow Redis must not slow what does not need it. With redis-server frozen
// (SIGSTOP: connections are accepted by the kernel, nothing answers), Renew
// waits at most redis.timeout and fails closed, while Issue and a keyring
// Validate keep their usual latency: the calls that may wait on Redis run on
// a bounded worker pool, not on the completion-queue threads, and a full pool
// refuses at once instead of queueing without bound.
#include <algorithm>
#include <atomic>
#include <thread>

#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "sts/cookie/master_keyset.h"
#include "tests/harness/redis_process.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

constexpr char kAudience[] = "spiffe://test.example/relying-party";
constexpr int kRenewThreads = 8;
constexpr int kSamples = 20;

absl::Duration Median(std::vector<absl::Duration> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class RedisLatencyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  // `server`: more fields of the server block; `extra`: more configuration.
  void StartSts(const std::string& server, const std::string& extra) {
    absl::StatusOr<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    absl::StatusOr<std::unique_ptr<StsProcess>> sts = StsProcess::Start(
        *pki_, std::string(kDefaultTestPolicy) + "redis { address: \"" + redis_->address() +
                   "\" timeout: \"250ms\" }\nserver { completion_queues: 2 " + server + " }\n" + extra);
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = *std::move(sts);
  }
  void TearDown() override {
    if (redis_ != nullptr) redis_->Resume();
    if (sts_ != nullptr) {
      EXPECT_EQ(*sts_->Terminate(), 0);
    }
  }

  std::unique_ptr<StsClient> ClientAs(const std::string& who) {
    return std::make_unique<StsClient>(*MakeMutualTlsChannel(pki_->As(who, sts_->address())),
                                       Clock::Real(), absl::Seconds(10));
  }

  RequestSecurityTokenResponse Issue(const StsClient& client) {
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    absl::StatusOr<RequestSecurityTokenResponse> r = client.Issue(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RequestSecurityTokenResponse();
  }

  // Renews `token` from kRenewThreads threads until `stop`, each call
  // against the frozen Redis; every answer must be a refusal.
  void RenewLoad(const RequestSecurityTokenResponse& token, std::atomic<bool>* stop,
                 std::vector<std::thread>* threads) {
    for (int t = 0; t < kRenewThreads; ++t) {
      threads->emplace_back([this, &token, stop] {
        std::unique_ptr<StsClient> client = ClientAs("client");
        const auto key = crypto::AsBytes(token.requested_proof_token().binary_secret().value());
        while (!stop->load()) {
          absl::StatusOr<RequestSecurityTokenResponse> r =
              client->Renew(token.requested_security_token(), key);
          renews_.fetch_add(1);
          if (r.ok()) {
            ADD_FAILURE() << "a renewal succeeded without Redis";
            continue;
          }
          EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
          EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:RequestFailed");
          if (r.status().message().find("busy") != absl::string_view::npos) busy_.fetch_add(1);
        }
      });
    }
  }

  static TestPki* pki_;
  std::unique_ptr<RedisProcess> redis_;
  std::unique_ptr<StsProcess> sts_;
  std::atomic<int> renews_{0};
  std::atomic<int> busy_{0};
};
TestPki* RedisLatencyTest::pki_ = nullptr;

// Stateful store, replay cache in Redis: only Renew and Cancel need Redis.
TEST_F(RedisLatencyTest, AFrozenRedisDelaysNeitherIssueNorAKeyringValidate) {
  StartSts("redis_workers: 2 redis_queue_limit: 2", "");
  std::unique_ptr<StsClient> client = ClientAs("client");
  std::unique_ptr<StsClient> audience = ClientAs("audience");
  const RequestSecurityTokenResponse token = Issue(*client);
  ASSERT_TRUE(audience->Validate(token.requested_security_token()).ok());  // warm channels

  redis_->Pause();
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  RenewLoad(token, &stop, &load);
  // Let the load occupy whatever it can (bounded by a count of refusals).
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (renews_.load() < kRenewThreads && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<absl::Duration> issue, validate;
  for (int i = 0; i < kSamples; ++i) {
    absl::Time start = absl::Now();
    const RequestSecurityTokenResponse fresh = Issue(*client);
    issue.push_back(absl::Now() - start);
    start = absl::Now();
    absl::StatusOr<sts::v1::ValidateResponse> v = audience->Validate(fresh.requested_security_token());
    validate.push_back(absl::Now() - start);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->status().reason(), "valid");
    EXPECT_EQ(v->keys_size(), 1);
  }
  stop.store(true);
  for (std::thread& t : load) t.join();
  std::printf("frozen Redis, stateful: Issue median %s max %s; Validate median %s max %s; "
              "%d renewals refused, %d of them as busy\n",
              absl::FormatDuration(Median(issue)).c_str(),
              absl::FormatDuration(*std::max_element(issue.begin(), issue.end())).c_str(),
              absl::FormatDuration(Median(validate)).c_str(),
              absl::FormatDuration(*std::max_element(validate.begin(), validate.end())).c_str(),
              renews_.load(), busy_.load());
  // A Renew blocks for up to 250 ms; on the serving threads, every call
  // queued behind one would wait that long.
  EXPECT_LT(Median(issue), absl::Milliseconds(100));
  EXPECT_LT(Median(validate), absl::Milliseconds(100));
  // 8 renewing threads, 2 workers, 2 waiting: the rest is refused at once.
  EXPECT_GT(busy_.load(), 0);

  redis_->Resume();
  EXPECT_TRUE(client
                  ->Renew(token.requested_security_token(),
                          crypto::AsBytes(token.requested_proof_token().binary_secret().value()))
                  .ok());
}

// Stateless store in Redis: Validate needs Redis too (it waits at most the
// timeout, then answers status only); Issue writes nothing and stays fast.
TEST_F(RedisLatencyTest, AFrozenRedisDoesNotDelayAStatelessIssue) {
  const std::string keyset = NewTempDir("keyset") + "/keyset.textproto";
  cookie::MasterKeysetFile file;
  ASSERT_TRUE(cookie::AddRandomKey(&file).ok());
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset, file).ok());
  StartSts("", "stateless { enabled: true keyset_file: \"" + keyset + "\" }\n");
  std::unique_ptr<StsClient> client = ClientAs("client");
  std::unique_ptr<StsClient> audience = ClientAs("audience");
  const RequestSecurityTokenResponse token = Issue(*client);
  ASSERT_TRUE(audience->Validate(token.requested_security_token()).ok());

  redis_->Pause();
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  RenewLoad(token, &stop, &load);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (renews_.load() < kRenewThreads && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<absl::Duration> issue;
  for (int i = 0; i < kSamples; ++i) {
    const absl::Time start = absl::Now();
    Issue(*client);
    issue.push_back(absl::Now() - start);
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<sts::v1::ValidateResponse> v = audience->Validate(token.requested_security_token());
  const absl::Duration validate = absl::Now() - start;
  stop.store(true);
  for (std::thread& t : load) t.join();
  std::printf("frozen Redis, stateless: Issue median %s; Validate %s\n",
              absl::FormatDuration(Median(issue)).c_str(), absl::FormatDuration(validate).c_str());
  EXPECT_LT(Median(issue), absl::Milliseconds(100));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->revocation_state_unknown());
  EXPECT_EQ(v->keys_size(), 0);
}

}  // namespace
}  // namespace sts::testing
