// The example service pair through the real STS: the order client gets an
// SCT for the inventory (its audience) over mutual TLS, calls it through a
// protected channel; the inventory resolves the context with Validate as the
// audience and checks every call before its handler runs.
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/files.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"
#include "tests/services/inventory_server.h"
#include "tests/services/order_client.h"

namespace sts::testing {
namespace {

using example::InventoryServer;
using example::OrderClient;

constexpr char kAudience[] = "spiffe://test.example/relying-party";

class ServicesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
    absl::StatusOr<std::unique_ptr<StsProcess>> sts = StsProcess::Start(*pki_, kDefaultTestPolicy);
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

  // An StsApi authenticated as `who` (a TestPki client name).
  static std::shared_ptr<context::StsApi> StsAs(const std::string& who) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeMutualTlsChannel(pki_->As(who, sts_->address()));
    EXPECT_TRUE(channel.ok()) << channel.status();
    return context::StsApi::FromClient(
        std::make_shared<StsClient>(*channel, Clock::Real(), absl::Seconds(5)));
  }

  // The inventory, resolving contexts as `who`.
  void StartInventory(const std::string& who) {
    verifier_ = std::make_shared<verifier::Verifier>(StsAs(who));
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({*ReadFile(pki_->Key("server")), *ReadFile(pki_->Pem("server"))});
    absl::StatusOr<std::unique_ptr<InventoryServer>> server =
        InventoryServer::Start(grpc::SslServerCredentials(tls), verifier_, {{"widget", 100}});
    ASSERT_TRUE(server.ok()) << server.status();
    inventory_ = *std::move(server);
  }

  std::shared_ptr<context::SecurityContext> Context(context::SecurityContextOptions options = {}) {
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    absl::StatusOr<std::unique_ptr<context::SecurityContext>> context =
        context::SecurityContext::Issue(StsAs("client"), request, options);
    EXPECT_TRUE(context.ok()) << context.status();
    return context.ok() ? std::shared_ptr<context::SecurityContext>(*std::move(context)) : nullptr;
  }

  std::unique_ptr<OrderClient> Client(std::shared_ptr<context::SecurityContext> context) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = *ReadFile(pki_->Pem("ca"));
    return std::make_unique<OrderClient>(absl::StrCat("localhost:", inventory_->port()),
                                         grpc::SslCredentials(tls), std::move(context));
  }

  void TearDown() override {
    if (inventory_ != nullptr) inventory_->Shutdown();
  }

  static TestPki* pki_;
  static StsProcess* sts_;
  std::shared_ptr<verifier::Verifier> verifier_;
  std::unique_ptr<InventoryServer> inventory_;
};
TestPki* ServicesTest::pki_ = nullptr;
StsProcess* ServicesTest::sts_ = nullptr;

TEST_F(ServicesTest, TheOrderClientReservesThroughTheRealSts) {
  StartInventory("audience");
  auto context = Context();
  ASSERT_NE(context, nullptr);
  {
    auto client = Client(context);
    for (int i = 1; i <= 5; ++i) {
      absl::StatusOr<::example::v1::ReserveReply> reply = client->Reserve("widget", 2);
      ASSERT_TRUE(reply.ok()) << reply.status();
      EXPECT_EQ(reply->remaining(), 100u - 2 * i);
      EXPECT_EQ(reply->reserved_by(), "spiffe://test.example/client");
    }
    EXPECT_EQ(verifier_->stats().validations, 1u);

    // A renewal at the real STS: the next call is under instance 2, which
    // the inventory fetches once.
    ASSERT_TRUE(context->RenewNow().ok());
    EXPECT_EQ(context->token().instance(), "2");
    ASSERT_TRUE(client->Reserve("widget", 1).ok());
    EXPECT_EQ(verifier_->stats().validations, 2u);

    // Cancelled: the client refuses locally; the inventory never sees a call.
    const int handled = inventory_->service().handled();
    ASSERT_TRUE(context->Cancel().ok());
    absl::StatusOr<::example::v1::ReserveReply> after = client->Reserve("widget", 1);
    EXPECT_EQ(wire::FaultNameOf(after.status()), "wst:InvalidSecurityToken");
    EXPECT_EQ(inventory_->service().handled(), handled);
  }
}

TEST_F(ServicesTest, ComputedKeysWork) {
  StartInventory("audience");
  context::SecurityContextOptions options;
  options.use_entropy = true;  // CK/PSHA1: the key never travels
  auto context = Context(options);
  ASSERT_NE(context, nullptr);
  auto client = Client(context);
  absl::StatusOr<::example::v1::ReserveReply> reply = client->Reserve("widget", 1);
  ASSERT_TRUE(reply.ok()) << reply.status();
  context->Cancel().IgnoreError();
}

TEST_F(ServicesTest, ARelyingPartyThatIsNotTheAudienceGetsNoKeys) {
  // "stranger" may validate (status only), but the context names another
  // audience: no keys, so no call gets through.
  StartInventory("stranger");
  auto context = Context();
  ASSERT_NE(context, nullptr);
  auto client = Client(context);
  absl::StatusOr<::example::v1::ReserveReply> reply = client->Reserve("widget", 1);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(reply.status()), "wst:RequestFailed");
  EXPECT_EQ(inventory_->service().handled(), 0);
  context->Cancel().IgnoreError();
}

}  // namespace
}  // namespace sts::testing
