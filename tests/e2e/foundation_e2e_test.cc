// The STS as a user meets it: the real sts_server binary on a loopback port,
// a PKI made at test time, clients over mutual TLS.
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "client/channel.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "reflection_probe.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

class FoundationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
    absl::StatusOr<std::unique_ptr<StsProcess>> sts =
        StsProcess::Start(*pki_, kDefaultTestPolicy);
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = sts->release();
  }
  static void TearDownTestSuite() {
    delete sts_;
    delete pki_;
  }

  static StsClient ClientAs(const std::string& name, const std::string& ca = "ca") {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeMutualTlsChannel(pki_->As(name, sts_->address(), ca));
    EXPECT_TRUE(channel.ok()) << channel.status();
    return StsClient(*channel, Clock::Real(), absl::Seconds(5));
  }

  static absl::StatusOr<sts::v1::RequestSecurityTokenResponse> IssueAs(
      const std::string& name, sts::v1::IssueRequest request = {}) {
    return ClientAs(name).Issue(request);
  }

  static TestPki* pki_;
  static StsProcess* sts_;
};
TestPki* FoundationTest::pki_ = nullptr;
StsProcess* FoundationTest::sts_ = nullptr;

TEST_F(FoundationTest, WithoutAClientCertificateNoTokenIsIssued) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_TRUE(IssueAs("client").ok()) << "the server must keep serving";
}

TEST_F(FoundationTest, ACertificateFromAnotherCaIsRefused) {
  // Same SPIFFE ID as "client", signed by a CA the STS does not trust.
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("rogue-client");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST_F(FoundationTest, TheSctIsBoundToTheCertificatesSpiffeId) {
  sts::v1::IssueRequest request;
  request.set_applies_to("spiffe://test.example/relying-party");
  request.set_context("e2e");
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("client", request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->principal(), "spiffe://test.example/client");
  EXPECT_EQ(r->context(), "e2e");
  EXPECT_EQ(r->token_type(), wire::kTokenTypeSct);
  EXPECT_EQ(r->requested_security_token().identifier().rfind("urn:uuid:", 0), 0u);
  EXPECT_EQ(r->requested_security_token().instance(), "1");
  EXPECT_EQ(r->requested_proof_token().binary_secret().value().size(), 32u);
  EXPECT_EQ(r->requested_proof_token().binary_secret().type(), wire::kBinarySecretSymmetricKey);
  EXPECT_EQ(r->lifetime().expires().seconds() - r->lifetime().created().seconds(), 3600);
  EXPECT_EQ(r->applies_to(), "spiffe://test.example/relying-party");
}

TEST_F(FoundationTest, ThePrincipalFallsBackToTheDnsNameThenTheCommonName) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> dns = IssueAs("dns-client");
  ASSERT_TRUE(dns.ok()) << dns.status();
  EXPECT_EQ(dns->principal(), "dns:client.test.example");
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> cn = IssueAs("cn-client");
  ASSERT_TRUE(cn.ok()) << cn.status();
  EXPECT_EQ(cn->principal(), "cn:cn-client");
}

// Security review, medium 6: a common name or DNS SAN that spells an
// authorized SPIFFE ID is not that SPIFFE ID.
TEST_F(FoundationTest, ANameOfAnotherKindCannotPassForASpiffeId) {
  for (const char* impostor : {"cn-impostor", "dns-impostor"}) {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs(impostor);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << impostor << r.status();
    EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:RequestFailed") << impostor;
  }
}

TEST_F(FoundationTest, AnAmbiguousCertificateIsRefusedWithAFault) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("two-spiffe");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:FailedAuthentication");
}

TEST_F(FoundationTest, TwoIssuesGiveDistinctIdentifiersAndKeys) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> a = IssueAs("client");
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> b = IssueAs("client");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->requested_security_token().identifier(), b->requested_security_token().identifier());
  EXPECT_NE(a->requested_proof_token().binary_secret().value(),
            b->requested_proof_token().binary_secret().value());
}

grpc::health::v1::HealthCheckResponse::ServingStatus Health(std::shared_ptr<grpc::Channel> channel,
                                                             const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

TEST_F(FoundationTest, HealthReportsServingOnBothPorts) {
  auto secure = MakeMutualTlsChannel(pki_->As("client", sts_->address()));
  ASSERT_TRUE(secure.ok());
  EXPECT_EQ(Health(*secure, ""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*secure, "sts.v1.SecurityTokenService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  auto plain = grpc::CreateChannel("127.0.0.1:" + std::to_string(sts_->health_port()),
                                   grpc::InsecureChannelCredentials());
  EXPECT_EQ(Health(plain, "sts.v1.SecurityTokenService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(FoundationTest, TheHealthPortServesNothingElse) {
  auto plain = grpc::CreateChannel("127.0.0.1:" + std::to_string(sts_->health_port()),
                                   grpc::InsecureChannelCredentials());
  StsClient client(plain, Clock::Real(), absl::Seconds(5));
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = client.Issue({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  // Nor reflection (security review, low 11): a plaintext port must not list
  // or describe the services.
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(plain);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ReflectionProbeRequest request;
  request.set_list_services("*");
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ReflectionProbeResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(FoundationTest, ServerReflectionListsTheServices) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(
      *MakeMutualTlsChannel(pki_->As("client", sts_->address())));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ReflectionProbeRequest request;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ReflectionProbeResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) names.push_back(service.name());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "sts.v1.SecurityTokenService"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "grpc.health.v1.Health"), names.end());
}

TEST_F(FoundationTest, OversizedRequestsAreRefusedCleanlyAndServingGoesOn) {
  sts::v1::IssueRequest large_field;
  large_field.set_applies_to(std::string(2000, 'a'));
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("client", large_field);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:InvalidRequest");

  // Past the transport limit gRPC refuses before the STS sees a byte.
  sts::v1::IssueRequest huge;
  huge.set_context(std::string(200 * 1024, 'c'));
  r = IssueAs("client", huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);

  EXPECT_TRUE(IssueAs("client").ok());
}

// Security review, low 12, the documented exception (README.md, "Errors"):
// invalid UTF-8 in a proto3 string field fails gRPC's parse of the request,
// which answers INTERNAL with no fault before the STS reads it; nothing
// changes and serving goes on.
TEST_F(FoundationTest, InvalidUtf8IsRefusedByTheTransportBeforeTheSts) {
  sts::v1::IssueRequest bad;
  bad.set_applies_to("spiffe://test.example/\xff\xfe");
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("client", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
  EXPECT_EQ(wire::FaultNameOf(r.status()), "");
  EXPECT_TRUE(IssueAs("client").ok());
}

TEST_F(FoundationTest, TheAuditLogHasALinePerDecisionAndNoKeyBytes) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = IssueAs("client");
    ASSERT_TRUE(r.ok());
    keys.push_back(r->requested_proof_token().binary_secret().value());
  }
  ASSERT_FALSE(IssueAs("two-spiffe").ok());
  // The log is flushed every 50 ms.
  std::string log;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ifstream in(sts_->audit_log_path());
    std::stringstream text;
    text << in.rdbuf();
    log = text.str();
    if (log.find("\"outcome\":\"refused\",\"code\":\"UNAUTHENTICATED\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(log.find("\"op\":\"Issue\",\"principal\":\"spiffe://test.example/client\""),
            std::string::npos);
  EXPECT_NE(log.find("\"fault\":\"wst:FailedAuthentication\""), std::string::npos);
  for (const std::string& key : keys) {
    EXPECT_EQ(log.find(key), std::string::npos);
    EXPECT_EQ(log.find(absl::BytesToHexString(key)), std::string::npos);
    EXPECT_EQ(log.find(absl::Base64Escape(key)), std::string::npos);
  }
  EXPECT_EQ(sts_->ReadStderr().find(absl::BytesToHexString(keys[0])), std::string::npos);
}

// Security review, medium 7: a request full of control bytes and quotes is
// refused, and its audit line stays a fraction of the request's size.
TEST_F(FoundationTest, AHostileRequestCannotInflateTheAuditLog) {
  sts::v1::IssueRequest request;
  request.set_applies_to(std::string(30 * 1024, '\x01') + std::string(30 * 1024, '"'));
  StsClient client(*MakeMutualTlsChannel(pki_->As("client", sts_->address())));
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = client.Issue(request);
  ASSERT_EQ(wire::FaultNameOf(r.status()), "wst:InvalidRequest") << r.status();
  std::string line;
  for (int attempt = 0; attempt < 100 && line.empty(); ++attempt) {
    std::ifstream in(sts_->audit_log_path());
    for (std::string l; std::getline(in, l);) {
      if (l.find("applies_to is 61440 bytes") != std::string::npos) line = l;
    }
    if (line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(line.empty()) << "no audit line for the hostile request";
  EXPECT_LT(line.size(), 2048u) << line;
  EXPECT_NE(line.find("...(+61184 bytes)"), std::string::npos) << line;
}

// Security review, medium 8: the server's memory (and its keys) never
// reaches a core file.
TEST_F(FoundationTest, TheServerCannotDumpCore) {
  std::ifstream limits("/proc/" + std::to_string(sts_->pid()) + "/limits");
  std::string line;
  bool found = false;
  while (std::getline(limits, line)) {
    if (line.rfind("Max core file size", 0) != 0) continue;
    found = true;
    std::istringstream fields(line.substr(std::string("Max core file size").size()));
    std::string soft, hard;
    fields >> soft >> hard;
    EXPECT_EQ(soft, "0") << line;
    EXPECT_EQ(hard, "0") << line;
  }
  EXPECT_TRUE(found) << "no core limit in /proc/<pid>/limits";
}

// Runs last in the suite (gtest keeps declaration order).
TEST_F(FoundationTest, SigtermDrainsZeroizesAndExitsCleanly) {
  absl::StatusOr<int> code = sts_->Terminate(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  const std::string err = sts_->ReadStderr();
  EXPECT_NE(err.find("SIGTERM received"), std::string::npos) << err;
  // The keyring's own counters after shutdown: every record erased, no key
  // slot left in its memory.
  std::smatch counts;
  ASSERT_TRUE(std::regex_search(
      err, counts,
      std::regex(R"(stopped; (\d+) contexts erased with their keys zeroized; (\d+) records and (\d+) key slots left)")))
      << err;
  EXPECT_GT(std::stoull(counts[1]), 0u);
  EXPECT_EQ(counts[2], "0");
  EXPECT_EQ(counts[3], "0");
}

}  // namespace
}  // namespace sts::testing
