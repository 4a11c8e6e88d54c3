// Every WS-Trust binding through the real sts_server binary over mutual TLS:
// success paths and refusals with the fault a client reads. Time-dependent
// refusals (expiry, the end of a rollover window) are in clock_e2e_test.cc,
// where a fake clock moves time.
#include <thread>

#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

constexpr char kAudience[] = "spiffe://test.example/relying-party";

class LifecycleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
    absl::StatusOr<std::unique_ptr<StsProcess>> sts = StsProcess::Start(
        *pki_, std::string(kDefaultTestPolicy) + "tokens { max_tokens_per_principal: 3 }");
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = sts->release();
  }
  static void TearDownTestSuite() {
    if (sts_ != nullptr) {
      absl::StatusOr<int> code = sts_->Terminate();
      EXPECT_TRUE(code.ok() && *code == 0);
    }
    delete sts_;
    delete pki_;
  }

  static std::shared_ptr<grpc::Channel> ChannelAs(const std::string& name) {
    return *MakeMutualTlsChannel(pki_->As(name, sts_->address()));
  }
  static StsClient ClientAs(const std::string& name, const Clock* clock = Clock::Real()) {
    return StsClient(ChannelAs(name), clock, absl::Seconds(5));
  }

  RequestSecurityTokenResponse Issue(const std::string& applies_to = kAudience) {
    sts::v1::IssueRequest request;
    request.set_applies_to(applies_to);
    absl::StatusOr<RequestSecurityTokenResponse> r = client_.Issue(request);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RequestSecurityTokenResponse();
  }

  static absl::Span<const uint8_t> Key(const RequestSecurityTokenResponse& r) {
    return crypto::AsBytes(r.requested_proof_token().binary_secret().value());
  }

  // Cancels what a test issued, so the per-principal quota (3) holds for the next.
  void TearDown() override {
    for (const RequestSecurityTokenResponse& r : to_cancel_) {
      client_.Cancel(r.requested_security_token(), Key(r)).IgnoreError();
    }
  }

  static TestPki* pki_;
  static StsProcess* sts_;
  StsClient client_ = ClientAs("client");
  std::vector<RequestSecurityTokenResponse> to_cancel_;
};
TestPki* LifecycleTest::pki_ = nullptr;
StsProcess* LifecycleTest::sts_ = nullptr;

TEST_F(LifecycleTest, IssueRenewValidateCancel) {
  const RequestSecurityTokenResponse token = Issue();
  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      client_.Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->requested_security_token().identifier(),
            token.requested_security_token().identifier());
  EXPECT_EQ(renewed->requested_security_token().instance(), "2");
  EXPECT_NE(renewed->requested_proof_token().binary_secret().value(),
            token.requested_proof_token().binary_secret().value());

  absl::StatusOr<sts::v1::ValidateResponse> seen =
      ClientAs("audience").Validate(renewed->requested_security_token());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->status().code(), wire::kStatusValid);
  EXPECT_EQ(seen->principal(), "spiffe://test.example/client");
  EXPECT_EQ(seen->token().instance(), "2");
  ASSERT_GE(seen->keys_size(), 1);
  EXPECT_EQ(seen->keys(0).key(), renewed->requested_proof_token().binary_secret().value());

  absl::StatusOr<sts::v1::CancelResponse> cancelled =
      client_.Cancel(renewed->requested_security_token(), Key(*renewed));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->requested_token_cancelled());
  seen = ClientAs("audience").Validate(renewed->requested_security_token());
  EXPECT_EQ(seen->status().code(), wire::kStatusInvalid);
  EXPECT_EQ(seen->keys_size(), 0);
  // Idempotent for the holder.
  EXPECT_TRUE(client_.Cancel(renewed->requested_security_token(), Key(*renewed)).ok());
  // A cancelled context can never be renewed again.
  absl::StatusOr<RequestSecurityTokenResponse> again =
      client_.Renew(renewed->requested_security_token(), Key(*renewed));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(again.status()), "wst:InvalidSecurityToken");
}

TEST_F(LifecycleTest, ValidateByAStrangerGetsNoKeyAndUnlistedCallersAreRefused) {
  const RequestSecurityTokenResponse token = Issue();
  to_cancel_.push_back(token);
  absl::StatusOr<sts::v1::ValidateResponse> stranger =
      ClientAs("stranger").Validate(token.requested_security_token());
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  EXPECT_EQ(stranger->status().code(), wire::kStatusValid);
  EXPECT_EQ(stranger->keys_size(), 0);
  absl::StatusOr<sts::v1::ValidateResponse> unlisted =
      ClientAs("cn-client").Validate(token.requested_security_token());
  EXPECT_EQ(unlisted.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wire::FaultNameOf(unlisted.status()), "wst:RequestFailed");
  // The owner gets its own key back.
  absl::StatusOr<sts::v1::ValidateResponse> owner = client_.Validate(token.requested_security_token());
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->keys_size(), 1);
}

TEST_F(LifecycleTest, WrongOrMissingProofIsRefused) {
  const RequestSecurityTokenResponse token = Issue();
  to_cancel_.push_back(token);
  const std::vector<uint8_t> wrong(32, 0x42);
  absl::StatusOr<RequestSecurityTokenResponse> r =
      client_.Renew(token.requested_security_token(), wrong);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:FailedAuthentication");
  EXPECT_EQ(wire::FaultNameOf(client_.Cancel(token.requested_security_token(), wrong).status()),
            "wst:FailedAuthentication");

  auto stub = sts::v1::SecurityTokenService::NewStub(ChannelAs("client"));
  sts::v1::RenewRequest bare;
  *bare.mutable_renew_target() = token.requested_security_token();
  grpc::ClientContext context;
  RequestSecurityTokenResponse response;
  const absl::Status status = wire::FromGrpcStatus(stub->Renew(&context, bare, &response));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(status), "wst:FailedAuthentication");
  // The context is untouched by the failed attempts.
  EXPECT_EQ(client_.Validate(token.requested_security_token())->status().code(), wire::kStatusValid);
}

TEST_F(LifecycleTest, AReplayedProofIsRefused) {
  const RequestSecurityTokenResponse token = Issue();
  to_cancel_.push_back(token);
  sts::v1::RenewRequest request;
  *request.mutable_renew_target() = token.requested_security_token();
  ASSERT_TRUE(wire::MakeProof({wire::kRenewMethod, token.requested_security_token().identifier(), "1"},
                              Key(token), absl::Now(), wire::RequestDigest(request),
                              request.mutable_proof()).ok());
  auto stub = sts::v1::SecurityTokenService::NewStub(ChannelAs("client"));
  RequestSecurityTokenResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->Renew(&context, request, &response).ok());
  }
  to_cancel_.push_back(response);
  grpc::ClientContext context;
  const absl::Status replay = wire::FromGrpcStatus(stub->Renew(&context, request, &response));
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(replay), "wst:FailedAuthentication");
  EXPECT_NE(replay.message().find("replayed"), absl::string_view::npos) << replay;
}

TEST_F(LifecycleTest, AStaleTimestampIsRefused) {
  const RequestSecurityTokenResponse token = Issue();
  to_cancel_.push_back(token);
  FakeClock late(absl::Now() - absl::Minutes(6));
  absl::StatusOr<RequestSecurityTokenResponse> r =
      ClientAs("client", &late).Renew(token.requested_security_token(), Key(token));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:ExpiredData");
}

TEST_F(LifecycleTest, TheOldKeyStillProvesPossessionInsideTheRolloverWindow) {
  const RequestSecurityTokenResponse token = Issue();
  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      client_.Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(renewed.ok());
  // A client that missed the first response renews again with the old key.
  absl::StatusOr<RequestSecurityTokenResponse> again =
      client_.Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->requested_security_token().instance(), "3");
  to_cancel_.push_back(*again);
}

TEST_F(LifecycleTest, OnlyTheOwnerMayRenewOrCancel) {
  const RequestSecurityTokenResponse token = Issue();
  to_cancel_.push_back(token);
  absl::StatusOr<sts::v1::CancelResponse> r =
      ClientAs("audience").Cancel(token.requested_security_token(), Key(token));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(LifecycleTest, QuotaExhaustionAndRecoveryAfterCancel) {
  StsClient quota = ClientAs("quota");
  std::vector<RequestSecurityTokenResponse> held;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RequestSecurityTokenResponse> r = quota.Issue({});
    ASSERT_TRUE(r.ok()) << r.status();
    held.push_back(*r);
  }
  absl::StatusOr<RequestSecurityTokenResponse> refused = quota.Issue({});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(refused.status()), "wst:RequestFailed");
  // Others are unaffected, and what was issued is intact.
  const RequestSecurityTokenResponse other = Issue();
  to_cancel_.push_back(other);
  EXPECT_EQ(quota.Validate(held[0].requested_security_token())->status().code(), wire::kStatusValid);
  ASSERT_TRUE(quota.Cancel(held[0].requested_security_token(), Key(held[0])).ok());
  absl::StatusOr<RequestSecurityTokenResponse> recovered = quota.Issue({});
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  held[0] = *recovered;
  for (const RequestSecurityTokenResponse& r : held) {
    ASSERT_TRUE(quota.Cancel(r.requested_security_token(), Key(r)).ok());
  }
}

TEST_F(LifecycleTest, KeySizeAndEntropyRulesAndComputedKeys) {
  sts::v1::IssueRequest request;
  request.set_key_size(1024);
  EXPECT_EQ(wire::FaultNameOf(client_.Issue(request).status()), "wst:InvalidRequest");
  request.set_key_size(512);
  request.mutable_entropy()->mutable_binary_secret()->set_value(std::string(32, 'e'));
  absl::StatusOr<RequestSecurityTokenResponse> short_entropy = client_.Issue(request);
  EXPECT_EQ(short_entropy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wire::FaultNameOf(short_entropy.status()), "wst:InvalidRequest");

  const std::string entropy(64, '\x5c');
  request.mutable_entropy()->mutable_binary_secret()->set_value(entropy);
  absl::StatusOr<RequestSecurityTokenResponse> r = client_.Issue(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requested_proof_token().computed_key(), wire::kComputedKeyPSha1);
  absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*r, crypto::AsBytes(entropy));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 64u);
  // The computed key is the key the STS holds: it proves possession.
  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      client_.Renew(r->requested_security_token(), key->span());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  to_cancel_.push_back(*renewed);
}

TEST_F(LifecycleTest, AmendIsRefusedWithAFault) {
  auto stub = sts::v1::SecurityTokenService::NewStub(ChannelAs("client"));
  grpc::ClientContext context;
  RequestSecurityTokenResponse response;
  const absl::Status status = wire::FromGrpcStatus(stub->Amend(&context, {}, &response));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(wire::FaultNameOf(status), "wst:RequestFailed");
}

}  // namespace
}  // namespace sts::testing
