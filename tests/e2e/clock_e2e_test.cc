// The real server (StsServer, the code sts_server runs) in this process with
// a fake clock, reached by real clients over mutual TLS: the refusals that
// depend on time passing, with no sleeping.
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sts/cookie/master_keyset.h"
#include "sts/server/sts_server.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

class ClockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  void Start(const std::string& tokens_config) {
    sts::config::StsConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        std::string(kDefaultTestPolicy) + tokens_config, &config));
    config.set_listen_address("127.0.0.1:0");
    config.mutable_tls()->set_client_ca_file(pki_->Pem("ca"));
    config.mutable_tls()->set_cert_file(pki_->Pem("server"));
    config.mutable_tls()->set_key_file(pki_->Key("server"));
    config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
    absl::StatusOr<std::unique_ptr<server::StsServer>> server =
        server::StsServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "localhost:" + std::to_string(server_->port());
    client_ = std::make_unique<StsClient>(*MakeMutualTlsChannel(pki_->As("client", address)),
                                          &clock_);
  }
  void TearDown() override {
    client_.reset();  // close our connection before the server drains
    if (server_ != nullptr) server_->Shutdown();
  }

  RequestSecurityTokenResponse Issue() {
    absl::StatusOr<RequestSecurityTokenResponse> r = client_->Issue({});
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  }
  static absl::Span<const uint8_t> Key(const RequestSecurityTokenResponse& r) {
    return crypto::AsBytes(r.requested_proof_token().binary_secret().value());
  }

  static TestPki* pki_;
  FakeClock clock_{absl::Now()};
  std::unique_ptr<server::StsServer> server_;
  std::unique_ptr<StsClient> client_;
};

TestPki* ClockTest::pki_ = nullptr;

TEST_F(ClockTest, TheOldKeyIsRefusedAfterTheRolloverWindow) {
  Start("tokens { rollover_window: \"5m\" }");
  const RequestSecurityTokenResponse token = Issue();
  ASSERT_TRUE(client_->Renew(token.requested_security_token(), Key(token)).ok());
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  server_->SweepNow();
  absl::StatusOr<RequestSecurityTokenResponse> r =
      client_->Renew(token.requested_security_token(), Key(token));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wsc:UnknownDerivationSource");
}

TEST_F(ClockTest, AnExpiredTokenIsInvalidAndCannotBeRenewed) {
  Start("");
  const RequestSecurityTokenResponse token = Issue();
  clock_.Advance(absl::Hours(1));
  absl::StatusOr<sts::v1::ValidateResponse> v = client_->Validate(token.requested_security_token());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status().code(), wire::kStatusInvalid);
  EXPECT_EQ(v->status().reason(), "expired");
  server_->SweepNow();
  absl::StatusOr<RequestSecurityTokenResponse> r =
      client_->Renew(token.requested_security_token(), Key(token));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:ExpiredData");
}

TEST_F(ClockTest, ExpiredRenewalWhenConfiguredIsCappedByMaxAge) {
  Start("tokens { allow_expired_renewal: true expired_renewal_max_age: \"10m\" retention: \"1h\" }");
  const RequestSecurityTokenResponse token = Issue();
  clock_.Advance(absl::Hours(1) + absl::Minutes(9));
  server_->SweepNow();
  absl::StatusOr<RequestSecurityTokenResponse> renewed =
      client_->Renew(token.requested_security_token(), Key(token));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(client_->Validate(renewed->requested_security_token())->status().code(),
            wire::kStatusValid);
  const RequestSecurityTokenResponse late = Issue();
  clock_.Advance(absl::Hours(1) + absl::Minutes(11));
  server_->SweepNow();
  EXPECT_EQ(wire::FaultNameOf(client_->Renew(late.requested_security_token(), Key(late)).status()),
            "wst:ExpiredData");
}

TEST_F(ClockTest, ExpiryFreesTheQuota) {
  Start("tokens { max_tokens_per_principal: 2 }");
  Issue();
  Issue();
  EXPECT_EQ(client_->Issue({}).status().code(), absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));
  server_->SweepNow();
  EXPECT_TRUE(client_->Issue({}).ok());
  EXPECT_EQ(server_->keyring().stats().live, 1u);
}

TEST_F(ClockTest, ShutdownErasesEveryRecordAndLeavesNoKeyInTheKeyring) {
  Start("");
  const RequestSecurityTokenResponse token = Issue();
  Issue();
  // A renewal leaves a superseded key rolling over, in its own pool slot.
  ASSERT_TRUE(client_->Renew(token.requested_security_token(), Key(token)).ok());
  ASSERT_GT(server_->keyring().stats().key_slots, 2u);
  client_.reset();
  server_->Shutdown();
  const keyring::Keyring::Stats left = server_->keyring().stats();
  EXPECT_EQ(server_->erased_at_shutdown(), 2u);
  EXPECT_EQ(left.records, 0u);
  EXPECT_EQ(left.live, 0u);
  EXPECT_EQ(left.retained, 0u);
  EXPECT_EQ(left.key_slots, 0u);
}

TEST_F(ClockTest, TheMasterKeysetIsReloadedOnTheInjectedClock) {
  const std::string keyset_path = NewTempDir("keyset") + "/keyset.textproto";
  cookie::MasterKeysetFile keyset;
  ASSERT_TRUE(cookie::AddRandomKey(&keyset).ok());
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path, keyset).ok());
  Start(absl::StrCat("stateless { enabled: true keyset_file: \"", keyset_path,
                     "\" keyset_check_interval: \"5s\" }"));
  auto sealed_with = [&] {
    return static_cast<uint8_t>(Issue().requested_security_token().cookie()[4]);
  };
  const RequestSecurityTokenResponse before = Issue();
  EXPECT_EQ(sealed_with(), 1);
  const uint32_t second = *cookie::AddRandomKey(&keyset);
  keyset.set_primary_key_id(second);
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path, keyset).ok());
  // The file changed, but its check interval has not passed on the clock.
  server_->SweepNow();
  EXPECT_EQ(sealed_with(), 1);
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_EQ(sealed_with(), second);
  // Cookies sealed under the first key still open.
  absl::StatusOr<sts::v1::ValidateResponse> v = client_->Validate(before.requested_security_token());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status().reason(), "valid");
}

}  // namespace
}  // namespace sts::testing
