// Auto-renewal observed through the real STS: the server (StsServer, the code
// sts_server runs) in this process on a fake clock shared with the client's
// SecurityContext and the inventory's Verifier, so short-lived contexts come
// and go without anyone sleeping. The order client calls the inventory all
// along: no call may fail.
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "sts/server/sts_server.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"
#include "tests/services/inventory_server.h"
#include "tests/services/order_client.h"

namespace sts::testing {
namespace {

std::shared_ptr<context::StsApi> StsAs(const TestPki& pki, const std::string& who,
                                       const std::string& address, const Clock* clock) {
  return context::StsApi::FromClient(std::make_shared<StsClient>(
      *MakeMutualTlsChannel(pki.As(who, address)), clock, absl::Seconds(5)));
}

TEST(AutoRenewTest, ShortLivedContextRenewsInTheBackgroundWithoutAFailedCall) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  FakeClock clock(absl::Now());
  sts::config::StsConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kDefaultTestPolicy, &config));
  config.set_listen_address("127.0.0.1:0");
  config.mutable_tls()->set_client_ca_file(pki->Pem("ca"));
  config.mutable_tls()->set_cert_file(pki->Pem("server"));
  config.mutable_tls()->set_key_file(pki->Key("server"));
  config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
  config.mutable_tokens()->set_rollover_window("20s");
  absl::StatusOr<std::unique_ptr<server::StsServer>> sts = server::StsServer::Start(config, &clock);
  ASSERT_TRUE(sts.ok()) << sts.status();
  const std::string sts_address = absl::StrCat("localhost:", (*sts)->port());

  verifier::VerifierOptions verifier_options;
  verifier_options.clock = &clock;
  auto verifier = std::make_shared<verifier::Verifier>(
      StsAs(*pki, "audience", sts_address, &clock), verifier_options);
  absl::StatusOr<std::unique_ptr<example::InventoryServer>> inventory =
      example::InventoryServer::Start(grpc::InsecureServerCredentials(), verifier,
                                      {{"widget", 1000}});
  ASSERT_TRUE(inventory.ok()) << inventory.status();

  int failures = 0;
  uint64_t renewals = 0;
  std::string last_instance;
  {
    context::SecurityContextOptions options;
    options.clock = &clock;
    options.renewal = context::RenewalMode::kBackground;  // default 60 % of the lifetime
    options.renew_lifetime = absl::Minutes(1);
    sts::v1::IssueRequest request;
    request.set_applies_to("spiffe://test.example/relying-party");
    request.mutable_lifetime()->set_seconds(60);
    absl::StatusOr<std::unique_ptr<context::SecurityContext>> issued =
        context::SecurityContext::Issue(StsAs(*pki, "client", sts_address, &clock), request,
                                        options);
    ASSERT_TRUE(issued.ok()) << issued.status();
    std::shared_ptr<context::SecurityContext> context = *std::move(issued);
    example::OrderClient client(absl::StrCat("127.0.0.1:", (*inventory)->port()),
                                grpc::InsecureChannelCredentials(), context);
    // Ten minutes of one-minute contexts: a call every 5 seconds.
    for (int i = 0; i < 120; ++i) {
      // In this order: a renewal sets the new expiry before it counts itself.
      const uint64_t renewals_before = context->renewals();
      const absl::Time renewal_point = context->expires() - absl::Seconds(24);
      absl::StatusOr<::example::v1::ReserveReply> reply = client.Reserve("widget", 1);
      if (!reply.ok()) {
        ++failures;
        ADD_FAILURE() << "call " << i << " at +" << i * 5 << "s: " << reply.status();
      }
      // That call, made past the renewal point (60 % of the lifetime), woke the
      // renewal thread. It renews in real time while this loop jumps a fake
      // clock, which could otherwise outrun it past the expiry on a loaded
      // machine; a real clock never moves 24 s during one renewal.
      if (clock.Now() >= renewal_point) {
        ASSERT_TRUE(context->AwaitRenewals(renewals_before + 1, absl::Seconds(30)))
            << "no renewal after call " << i << ": " << context->last_renewal_error();
      }
      clock.Advance(absl::Seconds(5));
      if (i % 12 == 11) (*sts)->SweepNow();  // expired instances leave the keyring
    }
    renewals = context->renewals();
    last_instance = context->token().instance();
    EXPECT_TRUE(context->last_renewal_error().ok()) << context->last_renewal_error();
  }
  EXPECT_EQ(failures, 0);
  // About one renewal per 36 s of the ten minutes.
  EXPECT_GE(renewals, 10u);
  EXPECT_EQ(last_instance, absl::StrCat(renewals + 1));
  EXPECT_EQ((*inventory)->service().handled(), 120);
  (*inventory)->Shutdown();
  verifier.reset();
  (*sts)->Shutdown();
}

}  // namespace
}  // namespace sts::testing
