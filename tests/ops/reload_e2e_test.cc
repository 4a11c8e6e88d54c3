// Reloading the configuration without a restart: the real server in this
// process on a fake clock (the check interval passes when the test says so),
// reached over mutual TLS, its metrics read from its own /metrics listener.
// A changed valid file replaces the policy in force; a field only a restart
// applies is left as it runs and reported; an invalid file changes nothing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "sts/config/config.h"
#include "sts/server/sts_server.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

constexpr char kClient[] = "spiffe://test.example/client";

// GET /metrics from the server's listener, as Prometheus does.
std::string Scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
    ::send(fd, request.data(), request.size(), 0);
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, n);
  }
  ::close(fd);
  return response;
}

double Sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

class ReloadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    dir_ = NewTempDir("reload");
    path_ = dir_ + "/sts.textproto";
    Write("spiffe://test.example/a", "12h");
    server::StsServer::ConfigSource source;
    source.path = path_;
    source.load = [path = path_]() -> absl::StatusOr<config::StsConfig> {
      absl::StatusOr<config::StsConfig> c = config::LoadConfigFile(path);
      if (!c.ok()) return c.status();
      if (absl::Status s = config::ApplyDefaultsAndValidate(&*c); !s.ok()) return s;
      return c;
    };
    absl::StatusOr<config::StsConfig> initial = source.load();
    ASSERT_TRUE(initial.ok()) << initial.status();
    absl::StatusOr<std::unique_ptr<server::StsServer>> server =
        server::StsServer::Start(*initial, &clock_, source);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->metrics_port(), 0);
    client_ = std::make_unique<StsClient>(
        *MakeMutualTlsChannel(pki_->As("client", "localhost:" + std::to_string(server_->port()))),
        &clock_);
  }
  void TearDown() override {
    client_.reset();
    if (server_ != nullptr) server_->Shutdown();
  }

  // The configuration file: `client` may obtain contexts for `audience`.
  // Replaced as editors and orchestrators do: a new file renamed over it.
  void Write(const std::string& audience, const std::string& max_lifetime,
             const std::string& extra = "") {
    const std::string temp = path_ + ".new";
    std::ofstream(temp) << "listen_address: \"127.0.0.1:0\"\n"
                        << "tls { client_ca_file: \"" << pki_->Pem("ca") << "\" cert_file: \""
                        << pki_->Pem("server") << "\" key_file: \"" << pki_->Key("server")
                        << "\" }\n"
                        << "audit { path: \"" << dir_ << "/audit.log\" }\n"
                        << "metrics { listen_address: \"127.0.0.1:0\" }\n"
                        << "server { config_check_interval: \"5s\" }\n"
                        << "tokens { max_lifetime: \"" << max_lifetime << "\" }\n"
                        << "policy { issue { principal: \"" << kClient << "\" applies_to: \""
                        << audience << "\" } }\n"
                        << extra;
    ASSERT_EQ(std::rename(temp.c_str(), path_.c_str()), 0);
  }

  absl::Status IssueFor(const std::string& audience, absl::Duration lifetime = absl::Hours(1),
                        RequestSecurityTokenResponse* out = nullptr) {
    sts::v1::IssueRequest request;
    request.set_applies_to(audience);
    request.mutable_lifetime()->set_seconds(absl::ToInt64Seconds(lifetime));
    absl::StatusOr<RequestSecurityTokenResponse> r = client_->Issue(request);
    if (r.ok() && out != nullptr) *out = *r;
    return r.status();
  }

  double Metric(const std::string& series) { return Sample(Scrape(server_->metrics_port()), series); }

  static TestPki* pki_;
  FakeClock clock_{absl::Now()};
  std::string dir_, path_;
  std::unique_ptr<server::StsServer> server_;
  std::unique_ptr<StsClient> client_;
};
TestPki* ReloadTest::pki_ = nullptr;

constexpr char kApplied[] = R"(sts_reloads_total{file="config",result="applied"})";
constexpr char kRejected[] = R"(sts_reloads_total{file="config",result="rejected"})";

TEST_F(ReloadTest, AChangedPolicyIsAppliedOnTheInjectedClock) {
  EXPECT_TRUE(IssueFor("spiffe://test.example/a").ok());
  EXPECT_EQ(IssueFor("spiffe://test.example/b").code(), absl::StatusCode::kPermissionDenied);
  Write("spiffe://test.example/b", "12h");
  // Changed, but the check interval has not passed on the server's clock.
  server_->SweepNow();
  EXPECT_EQ(IssueFor("spiffe://test.example/b").code(), absl::StatusCode::kPermissionDenied);
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_TRUE(IssueFor("spiffe://test.example/b").ok());
  // The new policy replaced the old one: a is no longer allowed.
  absl::Status a = IssueFor("spiffe://test.example/a");
  EXPECT_EQ(a.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wire::FaultNameOf(a), "wst:RequestFailed");
  EXPECT_EQ(Metric(kApplied), 1);
  EXPECT_EQ(Metric(kRejected), 0);
  EXPECT_EQ(Metric("sts_config_restart_pending"), 0);
  // An unchanged file is not read again.
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_EQ(Metric(kApplied), 1);
}

TEST_F(ReloadTest, AnInvalidFileIsIgnoredAndTheRunningPolicyStays) {
  // A pattern the policy refuses, then text that does not parse.
  Write("spiffe://test.example/b*x", "12h");
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_TRUE(IssueFor("spiffe://test.example/a").ok());
  EXPECT_EQ(Metric(kRejected), 1);
  Write("spiffe://test.example/b", "12h", "tokens { no_such_setting: 1 }\n");
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_TRUE(IssueFor("spiffe://test.example/a").ok());
  EXPECT_EQ(IssueFor("spiffe://test.example/b").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Metric(kRejected), 2);
  EXPECT_EQ(Metric(kApplied), 0);
  // Fixed: read again and applied.
  Write("spiffe://test.example/b", "12h");
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_TRUE(IssueFor("spiffe://test.example/b").ok());
  EXPECT_EQ(Metric(kApplied), 1);
}

TEST_F(ReloadTest, ASettingOnlyARestartAppliesWaitsAndIsReported) {
  Write("spiffe://test.example/a", "2h");
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_EQ(Metric(kApplied), 1);
  EXPECT_EQ(Metric("sts_config_restart_pending"), 1);
  // Still the running 12h: a 5h context is granted 5h, not clamped to 2h.
  RequestSecurityTokenResponse r;
  ASSERT_TRUE(IssueFor("spiffe://test.example/a", absl::Hours(5), &r).ok());
  EXPECT_EQ(r.lifetime().expires().seconds() - r.lifetime().created().seconds(), 5 * 3600);
  // Back as it runs: nothing pending.
  Write("spiffe://test.example/a", "12h");
  clock_.Advance(absl::Seconds(5));
  server_->SweepNow();
  EXPECT_EQ(Metric("sts_config_restart_pending"), 0);
}

}  // namespace
}  // namespace sts::testing
