// Drill: the audit log's disk is full. The real sts_server writes its audit
// log to /dev/full (every write fails with ENOSPC): every call is still
// served, the lost lines are counted and said on stderr (not once per
// line), and SIGTERM still drains and exits cleanly.
#include <thread>

#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(AuditDiskFullDrill, EveryCallIsServedAndTheLossIsSaid) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<std::unique_ptr<StsProcess>> sts =
      StsProcess::Start(*pki, kDefaultTestPolicy, {"--audit_log=/dev/full"});
  ASSERT_TRUE(sts.ok()) << sts.status();
  StsClient client(*MakeMutualTlsChannel(pki->As("client", (*sts)->address())));
  StsClient audience(*MakeMutualTlsChannel(pki->As("audience", (*sts)->address())));

  constexpr int kContexts = 40;
  for (int i = 0; i < kContexts; ++i) {
    sts::v1::IssueRequest request;
    request.set_applies_to("spiffe://test.example/relying-party");
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> issued = client.Issue(request);
    ASSERT_TRUE(issued.ok()) << issued.status();
    const auto key = crypto::AsBytes(issued->requested_proof_token().binary_secret().value());
    absl::StatusOr<sts::v1::ValidateResponse> valid =
        audience.Validate(issued->requested_security_token());
    ASSERT_TRUE(valid.ok()) << valid.status();
    EXPECT_EQ(valid->status().reason(), "valid");
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> renewed =
        client.Renew(issued->requested_security_token(), key);
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    ASSERT_TRUE(client
                    .Cancel(renewed->requested_security_token(),
                            crypto::AsBytes(renewed->requested_proof_token().binary_secret().value()))
                    .ok());
    // A refusal is a decision too, audited (and lost) like the others.
    EXPECT_FALSE(client.Renew(issued->requested_security_token(), key).ok());
  }

  // The writer flushes every 50 ms: the loss is said within a few flushes.
  std::string err;
  for (int attempt = 0; attempt < 200; ++attempt) {
    err = (*sts)->ReadStderr();
    if (err.find("audit log: write failed") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(err.find("audit log: write failed (No space left on device)"), std::string::npos)
      << err;
  EXPECT_NE(err.find("serving goes on"), std::string::npos) << err;
  // At most once a minute, not once per line or per flush.
  EXPECT_EQ(Count(err, "audit log: write failed"), 1u) << err;

  // Still serving, and healthy.
  auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*sts)->health_port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(client.Issue({}).ok());

  absl::StatusOr<int> code = (*sts)->Terminate(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*sts)->ReadStderr();
}

}  // namespace
}  // namespace sts::testing
