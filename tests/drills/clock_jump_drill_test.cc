// Drill: the STS's clock steps forward and back again (an NTP correction, a
// VM resumed), in both store modes. The real server runs in this process on
// a fake clock, reached by real clients over mutual TLS. What must hold: a
// context the forward step expired or whose cancellation it outlived never
// validates again, a proof cannot be replayed across the step back, and
// proofs are judged per the skew rules against the STS's latest time.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "sts/cookie/master_keyset.h"
#include "sts/server/sts_server.h"
#include "sts/v1/sts.grpc.pb.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

constexpr absl::Duration kSkew = absl::Minutes(5);

enum class Mode { kKeyring, kCookie };

class ClockJumpDrill : public ::testing::TestWithParam<Mode> {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    std::string text = std::string(kDefaultTestPolicy) + "tokens { clock_skew: \"5m\" }\n";
    if (GetParam() == Mode::kCookie) {
      const std::string keyset_path = NewTempDir("keyset") + "/keyset.textproto";
      cookie::MasterKeysetFile keyset;
      ASSERT_TRUE(cookie::AddRandomKey(&keyset).ok());
      ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path, keyset).ok());
      absl::StrAppend(&text, "stateless { enabled: true keyset_file: \"", keyset_path, "\" }\n");
    }
    sts::config::StsConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
    config.set_listen_address("127.0.0.1:0");
    config.mutable_tls()->set_client_ca_file(pki_->Pem("ca"));
    config.mutable_tls()->set_cert_file(pki_->Pem("server"));
    config.mutable_tls()->set_key_file(pki_->Key("server"));
    config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
    absl::StatusOr<std::unique_ptr<server::StsServer>> server =
        server::StsServer::Start(config, &sts_clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "localhost:" + std::to_string(server_->port());
    channel_ = *MakeMutualTlsChannel(pki_->As("client", address));
    // The client's clock is the true time; the STS's is the one that jumps.
    client_ = std::make_unique<StsClient>(channel_, &true_clock_);
    audience_ = std::make_unique<StsClient>(
        *MakeMutualTlsChannel(pki_->As("audience", address)), &true_clock_);
    stub_ = sts::v1::SecurityTokenService::NewStub(channel_);
  }
  void TearDown() override {
    stub_.reset();
    client_.reset();
    audience_.reset();
    channel_.reset();
    if (server_ != nullptr) server_->Shutdown();
  }

  RequestSecurityTokenResponse Issue() {
    sts::v1::IssueRequest request;
    request.set_applies_to("spiffe://test.example/relying-party");
    absl::StatusOr<RequestSecurityTokenResponse> r = client_->Issue(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RequestSecurityTokenResponse();
  }
  static absl::Span<const uint8_t> Key(const RequestSecurityTokenResponse& r) {
    return crypto::AsBytes(r.requested_proof_token().binary_secret().value());
  }
  // The audience's view: "valid" only with the keys released.
  std::string Reason(const sts::v1::SecurityContextToken& token) {
    absl::StatusOr<sts::v1::ValidateResponse> v = audience_->Validate(token);
    if (!v.ok()) return "refused: " + v.status().ToString();
    if (v->status().code() == wire::kStatusValid && v->keys_size() == 0) return "valid, no keys";
    return v->status().reason();
  }
  // Sends a Renew request exactly as given (a replay sends the same bytes).
  absl::Status SendRenew(const sts::v1::RenewRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    RequestSecurityTokenResponse response;
    return wire::FromGrpcStatus(stub_->Renew(&context, request, &response));
  }
  // Steps the STS's clock (the sweeper runs on it too: sweep at once, as a
  // sweep after the step would).
  void StepStsClock(absl::Time to) {
    sts_clock_.Set(to);
    server_->SweepNow();
  }

  static TestPki* pki_;
  const absl::Time start_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  FakeClock true_clock_{start_};
  FakeClock sts_clock_{start_};
  std::unique_ptr<server::StsServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<StsClient> client_;
  std::unique_ptr<StsClient> audience_;
  std::unique_ptr<sts::v1::SecurityTokenService::Stub> stub_;
};

TestPki* ClockJumpDrill::pki_ = nullptr;

TEST_P(ClockJumpDrill, AContextTheForwardStepExpiredStaysExpiredAfterTheStepBack) {
  const RequestSecurityTokenResponse token = Issue();
  ASSERT_EQ(Reason(token.requested_security_token()), "valid");
  // Forward past its expiry (1 h): expired, before and after a sweep.
  sts_clock_.Set(start_ + absl::Hours(2));
  EXPECT_EQ(Reason(token.requested_security_token()), "expired");
  server_->SweepNow();
  // Back to a minute after issue: still dead, no key released (the keyring
  // may have forgotten the record by then: "unknown").
  StepStsClock(start_ + absl::Minutes(1));
  const std::string reason = Reason(token.requested_security_token());
  EXPECT_TRUE(reason == "expired" || reason == "unknown") << reason;
  EXPECT_FALSE(client_->Renew(token.requested_security_token(), Key(token)).ok());
}

TEST_P(ClockJumpDrill, AStepBackBeforeAnySweepRevivesNothingEither) {
  const RequestSecurityTokenResponse token = Issue();
  sts_clock_.Set(start_ + absl::Hours(2));
  EXPECT_EQ(Reason(token.requested_security_token()), "expired");
  sts_clock_.Set(start_ + absl::Minutes(1));  // no sweep in between
  EXPECT_EQ(Reason(token.requested_security_token()), "expired");
}

TEST_P(ClockJumpDrill, ACancellationOutlivedByTheForwardStepStaysInForce) {
  const RequestSecurityTokenResponse token = Issue();
  ASSERT_TRUE(client_->Cancel(token.requested_security_token(), Key(token)).ok());
  ASSERT_EQ(Reason(token.requested_security_token()), "cancelled");
  // Forward past the token's expiry and the retention: the STS may forget
  // the cancellation, since the token is dead by its own expiry...
  StepStsClock(start_ + absl::Hours(3));
  // ...and after the step back it must still be dead.
  StepStsClock(start_ + absl::Minutes(1));
  const std::string reason = Reason(token.requested_security_token());
  EXPECT_TRUE(reason == "cancelled" || reason == "expired" || reason == "unknown") << reason;
}

TEST_P(ClockJumpDrill, AProofCannotBeReplayedAcrossAStepBack) {
  const RequestSecurityTokenResponse token = Issue();
  absl::StatusOr<sts::v1::RenewRequest> renew =
      wire::MakeRenewRequest(token.requested_security_token(), Key(token), true_clock_.Now());
  ASSERT_TRUE(renew.ok()) << renew.status();
  ASSERT_TRUE(SendRenew(*renew).ok());
  EXPECT_EQ(wire::FaultNameOf(SendRenew(*renew)), "wst:FailedAuthentication");
  // Forward beyond the proof window (the replay cache may forget the proof,
  // since no STS clock can accept it any more), then back.
  StepStsClock(start_ + absl::Minutes(20));
  StepStsClock(start_ + absl::Seconds(1));
  const absl::Status replay = SendRenew(*renew);
  EXPECT_FALSE(replay.ok());
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated) << replay;
}

TEST_P(ClockJumpDrill, ProofsAreJudgedWithinTheSkewOfTheStsLatestTime) {
  RequestSecurityTokenResponse token = Issue();
  auto renew = [&]() -> absl::Status {
    absl::StatusOr<RequestSecurityTokenResponse> r =
        client_->Renew(token.requested_security_token(), Key(token));
    if (r.ok()) token = *std::move(r);
    return r.status();
  };
  // The STS ahead by less than the skew: accepted.
  sts_clock_.Set(start_ + kSkew - absl::Seconds(1));
  EXPECT_TRUE(renew().ok());
  // Ahead by more: the true-time proof is stale.
  sts_clock_.Set(start_ + kSkew + absl::Minutes(1));
  absl::Status stale = renew();
  EXPECT_EQ(stale.code(), absl::StatusCode::kUnauthenticated) << stale;
  EXPECT_EQ(wire::FaultNameOf(stale), "wst:ExpiredData");
  // The STS's clock steps back to the true time: the STS keeps its latest
  // time, so proofs stay stale until the true time is within the skew of it.
  sts_clock_.Set(start_);
  stale = renew();
  EXPECT_EQ(wire::FaultNameOf(stale), "wst:ExpiredData") << stale;
  true_clock_.Set(start_ + absl::Minutes(1) + absl::Seconds(1));
  EXPECT_TRUE(renew().ok());
  // Issue and Validate are served throughout.
  EXPECT_EQ(Reason(token.requested_security_token()), "valid");
}

INSTANTIATE_TEST_SUITE_P(BothStores, ClockJumpDrill,
                         ::testing::Values(Mode::kKeyring, Mode::kCookie),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::kKeyring ? "Keyring" : "Cookie";
                         });

}  // namespace
}  // namespace sts::testing
