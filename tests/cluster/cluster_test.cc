// Scale-out: three sts_server replicas in stateless (cookie) mode sharing a
// master keyset and one Redis, all real processes on loopback. A token issued
// by one replica is validated, renewed and cancelled on others; proofs are
// replay-checked across replicas; a replica killed under load costs the
// round-robin client nothing; restarting every replica loses no cookie token
// (and every stateful one, as documented); Redis outages fail closed for
// Renew/Cancel and for keys, and never tell clients where Redis is; a Redis
// crash loses no cancellation; the master keyset rotates without downtime.
// Redis is the shipped configuration with AUTH and TLS.
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_join.h"
#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "grpcpp/client_context.h"
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
constexpr int kReplicas = 3;

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    // Redis as production runs it: the shipped configuration (append-only
    // file, fsync always), an ACL user with a password, TLS only.
    absl::StatusOr<ShippedRedis> redis = StartShippedRedis(pki_);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(redis->process);
    redis_password_file_ = redis->password_file;
    redis_username_ = redis->username;
    keyset_path_ = NewTempDir("keyset") + "/keyset.textproto";
    cookie::MasterKeysetFile keyset;
    ASSERT_TRUE(cookie::AddRandomKey(&keyset).ok());
    ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path_, keyset).ok());
    StartReplicas();
  }
  void TearDown() override {
    clients_.clear();
    for (auto& replica : replicas_) {
      if (replica != nullptr && replica->Running()) {
        absl::StatusOr<int> code = replica->Terminate();
        EXPECT_TRUE(code.ok() && *code == 0) << (code.ok() ? std::to_string(*code) : code.status().ToString());
      }
    }
  }

  std::string ReplicaConfig() const {
    return std::string(kDefaultTestPolicy) + "tokens { sweep_interval: \"100ms\" }\n" +
           "stateless { enabled: true keyset_file: \"" + keyset_path_ +
           "\" keyset_check_interval: \"100ms\" }\n" +
           // 2 s, not the 250 ms default: the first command of a replica
           // connects, shakes hands over TLS and authenticates, which a
           // machine busy with other tests can stretch past 250 ms. Outages
           // here are a stopped Redis (refused at once), not a slow one.
           "redis { timeout: \"2s\" address: \"" + redis_->address() +
           "\" password_file: \"" + redis_password_file_ + "\" username: \"" + redis_username_ +
           "\" tls { ca_file: \"" + pki_->Pem("ca") + "\" cert_file: \"" + pki_->Pem("client") +
           "\" key_file: \"" + pki_->Key("client") + "\" } }\n";
  }
  void StartReplicas() {
    replicas_.clear();
    for (int i = 0; i < kReplicas; ++i) {
      absl::StatusOr<std::unique_ptr<StsProcess>> replica = StsProcess::Start(*pki_, ReplicaConfig());
      ASSERT_TRUE(replica.ok()) << replica.status();
      replicas_.push_back(*std::move(replica));
    }
  }

  // A client pinned to one replica.
  StsClient& On(int replica, const std::string& who = "client") {
    auto key = std::make_pair(replica, who);
    auto it = clients_.find(key);
    if (it == clients_.end()) {
      auto channel = MakeMutualTlsChannel(pki_->As(who, replicas_[replica]->address()));
      it = clients_.emplace(key, std::make_unique<StsClient>(*channel, Clock::Real(), absl::Seconds(5)))
               .first;
    }
    return *it->second;
  }

  static absl::Span<const uint8_t> Key(const RequestSecurityTokenResponse& r) {
    return crypto::AsBytes(r.requested_proof_token().binary_secret().value());
  }

  RequestSecurityTokenResponse Issue(int replica) {
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    absl::StatusOr<RequestSecurityTokenResponse> r = On(replica).Issue(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RequestSecurityTokenResponse();
  }

  std::string ValidateReason(int replica, const sts::v1::SecurityContextToken& token,
                             int* keys = nullptr) {
    absl::StatusOr<sts::v1::ValidateResponse> v = On(replica, "audience").Validate(token);
    if (!v.ok()) return "error: " + std::string(v.status().message());
    if (keys != nullptr) *keys = v->keys_size();
    return v->status().reason();
  }

  static TestPki* pki_;
  std::unique_ptr<RedisProcess> redis_;
  std::string redis_password_file_;
  std::string redis_username_;
  std::string keyset_path_;
  std::vector<std::unique_ptr<StsProcess>> replicas_;
  std::map<std::pair<int, std::string>, std::unique_ptr<StsClient>> clients_;
};
TestPki* ClusterTest::pki_ = nullptr;

TEST_F(ClusterTest, IssueValidateRenewCancelAcrossReplicas) {
  const RequestSecurityTokenResponse token = Issue(0);
  EXPECT_FALSE(token.requested_security_token().cookie().empty());
  int keys = 0;
  EXPECT_EQ(ValidateReason(1, token.requested_security_token(), &keys), "valid");
  EXPECT_EQ(keys, 1);

  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      On(2).Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->requested_security_token().instance(), "2");
  EXPECT_EQ(ValidateReason(0, renewed->requested_security_token(), &keys), "valid");
  EXPECT_EQ(keys, 2);  // the new key and the one rolling over

  ASSERT_TRUE(On(1).Cancel(renewed->requested_security_token(), Key(*renewed)).ok());
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(ValidateReason(r, renewed->requested_security_token()), "cancelled") << r;
    EXPECT_EQ(ValidateReason(r, token.requested_security_token()), "cancelled") << r;
  }
  absl::StatusOr<RequestSecurityTokenResponse> again =
      On(0).Renew(renewed->requested_security_token(), Key(*renewed));
  EXPECT_EQ(wire::FaultNameOf(again.status()), "wst:InvalidSecurityToken");
}

TEST_F(ClusterTest, AProofReplayedToAnotherReplicaIsRefused) {
  const RequestSecurityTokenResponse token = Issue(0);
  sts::v1::RenewRequest request;
  *request.mutable_renew_target() = token.requested_security_token();
  ASSERT_TRUE(wire::MakeProof({wire::kRenewMethod, token.requested_security_token().identifier(), "1"},
                              Key(token), absl::Now(), wire::RequestDigest(request),
                              request.mutable_proof()).ok());
  auto send = [&](int replica) {
    auto stub = sts::v1::SecurityTokenService::NewStub(
        *MakeMutualTlsChannel(pki_->As("client", replicas_[replica]->address())));
    grpc::ClientContext context;
    RequestSecurityTokenResponse response;
    return wire::FromGrpcStatus(stub->Renew(&context, request, &response));
  };
  ASSERT_TRUE(send(0).ok());
  const absl::Status replay = send(1);
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(replay.message().find("replayed"), absl::string_view::npos) << replay;
}

TEST_F(ClusterTest, AModifiedCookieIsRefused) {
  RequestSecurityTokenResponse token = Issue(0);
  std::string* cookie = token.mutable_requested_security_token()->mutable_cookie();
  (*cookie)[cookie->size() / 2] ^= 0x01;
  absl::StatusOr<sts::v1::ValidateResponse> v =
      On(1, "audience").Validate(token.requested_security_token());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(wire::FaultNameOf(v.status()), "wsc:BadContextToken");
}

TEST_F(ClusterTest, ARoundRobinClientSurvivesAReplicaKilledUnderLoad) {
  std::vector<std::string> addresses;
  for (auto& replica : replicas_) addresses.push_back("127.0.0.1:" + std::to_string(replica->port()));
  ChannelOptions options = pki_->As("client", "ipv4:" + absl::StrJoin(addresses, ","));
  options.server_name = "localhost";
  options.service_config_json = R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
      "name": [{"service": "sts.v1.SecurityTokenService"}],
      "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.05s", "maxBackoff": "0.2s",
                      "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
    }]})";
  std::atomic<int> ok{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int t = 0; t < 3; ++t) {
    load.emplace_back([&] {
      StsClient client(*MakeMutualTlsChannel(options), Clock::Real(), absl::Seconds(5));
      while (!stop.load()) {
        absl::StatusOr<RequestSecurityTokenResponse> r = client.Issue({});
        if (!r.ok()) {
          failed.fetch_add(1);
          ADD_FAILURE() << r.status();
          continue;
        }
        absl::StatusOr<sts::v1::ValidateResponse> v = client.Validate(r->requested_security_token());
        (v.ok() && v->status().code() == wire::kStatusValid ? ok : failed).fetch_add(1);
      }
    });
  }
  // Real time, bounded: the load runs until enough calls have succeeded.
  auto await_ok = [&](int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (ok.load() < count && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ok.load() >= count;
  };
  EXPECT_TRUE(await_ok(100));
  replicas_[1]->Kill();
  const int before = ok.load();
  EXPECT_TRUE(await_ok(before + 300));
  stop.store(true);
  for (std::thread& t : load) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(ok.load(), 400);
}

TEST_F(ClusterTest, RestartingEveryReplicaLosesNoCookieToken) {
  const RequestSecurityTokenResponse token = Issue(0);
  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      On(1).Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  clients_.clear();
  for (auto& replica : replicas_) ASSERT_EQ(*replica->Terminate(), 0);
  StartReplicas();
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(ValidateReason(r, renewed->requested_security_token()), "valid") << r;
  }
  EXPECT_TRUE(On(2).Renew(renewed->requested_security_token(), Key(*renewed)).ok());

  // A stateful STS, by contrast, forgets everything on restart.
  absl::StatusOr<std::unique_ptr<StsProcess>> stateful = StsProcess::Start(*pki_, kDefaultTestPolicy);
  ASSERT_TRUE(stateful.ok());
  auto issue_on = [&](StsProcess& sts) {
    StsClient client(*MakeMutualTlsChannel(pki_->As("client", sts.address())));
    return client.Issue({});
  };
  absl::StatusOr<RequestSecurityTokenResponse> kept = issue_on(**stateful);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(*(*stateful)->Terminate(), 0);
  stateful = StsProcess::Start(*pki_, kDefaultTestPolicy);
  ASSERT_TRUE(stateful.ok());
  {
    StsClient audience(*MakeMutualTlsChannel(pki_->As("audience", (*stateful)->address())));
    absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(kept->requested_security_token());
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->status().reason(), "unknown");
  }
  ASSERT_EQ(*(*stateful)->Terminate(), 0);
}

TEST_F(ClusterTest, ARedisOutageFailsClosedForRenewAndCancelOnly) {
  const RequestSecurityTokenResponse token = Issue(0);
  redis_->Stop();
  absl::StatusOr<RequestSecurityTokenResponse> renew =
      On(1).Renew(token.requested_security_token(), Key(token));
  EXPECT_EQ(renew.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(wire::FaultNameOf(renew.status()), "wst:RequestFailed");
  absl::StatusOr<sts::v1::CancelResponse> cancel =
      On(1).Cancel(token.requested_security_token(), Key(token));
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kUnavailable);
  // The client is told what failed, not where Redis lives; the server's own
  // log says where.
  const std::string where = std::to_string(redis_->port());
  EXPECT_EQ(renew.status().message().find(where), std::string::npos) << renew.status();
  EXPECT_EQ(cancel.status().message().find(where), std::string::npos) << cancel.status();
  EXPECT_NE(replicas_[1]->ReadStderr().find(redis_->address()), std::string::npos);
  // Issue needs no shared state; Validate answers from the cookie.
  const RequestSecurityTokenResponse during = Issue(2);
  EXPECT_EQ(ValidateReason(0, during.requested_security_token()), "valid");
  ASSERT_TRUE(redis_->Restart().ok());
  // The replicas reconnect by themselves.
  absl::StatusOr<RequestSecurityTokenResponse> after =
      On(1).Renew(token.requested_security_token(), Key(token));
  EXPECT_TRUE(after.ok()) << after.status();
}

// Revocation fails closed for keys: while Redis is away a replica cannot see
// a cancellation, so Validate says so and releases no key (a cancelled
// context's key would otherwise be handed out).
TEST_F(ClusterTest, ARedisOutageReleasesNoKeyAndMarksTheAnswer) {
  const RequestSecurityTokenResponse cancelled = Issue(0);
  ASSERT_TRUE(On(1).Cancel(cancelled.requested_security_token(), Key(cancelled)).ok());
  const RequestSecurityTokenResponse live = Issue(0);
  absl::StatusOr<sts::v1::ValidateResponse> before =
      On(2, "audience").Validate(live.requested_security_token());
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_FALSE(before->revocation_state_unknown());
  EXPECT_EQ(before->keys_size(), 1);

  redis_->Stop();
  for (const RequestSecurityTokenResponse* token : {&cancelled, &live}) {
    absl::StatusOr<sts::v1::ValidateResponse> v =
        On(2, "audience").Validate(token->requested_security_token());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->revocation_state_unknown());
    EXPECT_EQ(v->keys_size(), 0);
    // The owner gets no key either.
    absl::StatusOr<sts::v1::ValidateResponse> own =
        On(2).Validate(token->requested_security_token());
    ASSERT_TRUE(own.ok()) << own.status();
    EXPECT_TRUE(own->revocation_state_unknown());
    EXPECT_EQ(own->keys_size(), 0);
  }
}

// A Redis run with the shipped configuration (docker/redis/redis.conf:
// append-only file, fsync on every write) keeps cancellations across a crash.
TEST_F(ClusterTest, ACancellationSurvivesARedisCrash) {
  const RequestSecurityTokenResponse token = Issue(0);
  ASSERT_TRUE(On(1).Cancel(token.requested_security_token(), Key(token)).ok());
  redis_->Stop();  // SIGKILL: no shutdown save
  ASSERT_TRUE(redis_->Restart().ok());
  for (int r = 0; r < kReplicas; ++r) {
    int keys = -1;
    EXPECT_EQ(ValidateReason(r, token.requested_security_token(), &keys), "cancelled")
        << r << "\n" << redis_->ReadLog();
    EXPECT_EQ(keys, 0) << r;
  }
}

TEST_F(ClusterTest, TheMasterKeysetRotatesWithoutDowntime) {
  const RequestSecurityTokenResponse before = Issue(0);
  ASSERT_EQ(static_cast<uint8_t>(before.requested_security_token().cookie()[4]), 1);
  cookie::MasterKeysetFile keyset = *cookie::ReadKeysetFile(keyset_path_);
  const uint32_t second = *cookie::AddRandomKey(&keyset);
  keyset.set_primary_key_id(second);
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path_, keyset).ok());
  // Every replica picks the file up within its check interval (100 ms here).
  auto sealed_with = [&](int replica) {
    return static_cast<uint8_t>(Issue(replica).requested_security_token().cookie()[4]);
  };
  for (int r = 0; r < kReplicas; ++r) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (sealed_with(r) != second && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(sealed_with(r), second) << "replica " << r;
    EXPECT_EQ(ValidateReason(r, before.requested_security_token()), "valid") << r;
  }
  // Removing the old key retires every cookie sealed under it.
  keyset.mutable_key()->erase(keyset.mutable_key()->begin());
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path_, keyset).ok());
  const RequestSecurityTokenResponse after = Issue(1);
  for (int r = 0; r < kReplicas; ++r) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (ValidateReason(r, before.requested_security_token()) == "valid" && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    absl::StatusOr<sts::v1::ValidateResponse> v =
        On(r, "audience").Validate(before.requested_security_token());
    EXPECT_EQ(wire::FaultNameOf(v.status()), "wsc:BadContextToken") << r;
    EXPECT_EQ(ValidateReason(r, after.requested_security_token()), "valid") << r;
  }
}

}  // namespace
}  // namespace sts::testing
