#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "sts/metrics/call_metrics.h"
#include "sts/metrics/endpoint.h"
#include "sts/metrics/histogram.h"
#include "sts/metrics/reload_metrics.h"
#include "sts/metrics/top_principals.h"

namespace sts::metrics {
namespace {

std::string Text(const prometheus::Collectable& c) {
  return prometheus::TextSerializer().Serialize(c.Collect());
}

// The value of the sample spelt exactly `series` in `text`, or -1.
double Sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(CallMetricsTest, CountsByMethodOutcomeCodeAndFault) {
  CallMetrics m;
  m.Record(Method::kIssue, absl::OkStatus(), absl::Microseconds(300));
  m.Record(Method::kIssue, absl::OkStatus(), absl::Milliseconds(3));
  m.Record(Method::kIssue, wire::Refuse(wire::Refusal::kQuotaExceeded, "the-quota-reason"),
           absl::Microseconds(50));
  m.Record(Method::kRenew, wire::Refuse(wire::Refusal::kBadProof, "replayed"),
           absl::Microseconds(80));
  m.Record(Method::kValidate, absl::PermissionDeniedError("no fault attached"),
           absl::Microseconds(80));
  const std::string text = Text(m);
  EXPECT_EQ(Sample(text, R"(sts_rpcs_total{method="Issue",outcome="ok",code="OK",fault="none"})"), 2);
  EXPECT_EQ(Sample(text, R"(sts_rpcs_total{method="Issue",outcome="refused",code="RESOURCE_EXHAUSTED",fault="wst:RequestFailed"})"), 1);
  EXPECT_EQ(Sample(text, R"(sts_rpcs_total{method="Renew",outcome="refused",code="UNAUTHENTICATED",fault="wst:FailedAuthentication"})"), 1);
  EXPECT_EQ(Sample(text, R"(sts_rpcs_total{method="Validate",outcome="refused",code="PERMISSION_DENIED",fault="none"})"), 1);
  // Success is exposed for every method, refusals once they happened.
  EXPECT_EQ(Sample(text, R"(sts_rpcs_total{method="Cancel",outcome="ok",code="OK",fault="none"})"), 0);
  EXPECT_EQ(text.find(R"(method="Cancel",outcome="refused")"), std::string::npos);
  EXPECT_EQ(Sample(text, R"(sts_quota_refusals_total{method="Issue"})"), 1);
  EXPECT_EQ(Sample(text, R"(sts_quota_refusals_total{method="Renew"})"), 0);
  EXPECT_EQ(Sample(text, R"(sts_rpc_duration_seconds_count{method="Issue"})"), 3);
  EXPECT_EQ(Sample(text, R"(sts_rpc_duration_seconds_bucket{method="Issue",le="0.0001"})"), 1);
  EXPECT_EQ(Sample(text, R"(sts_rpc_duration_seconds_bucket{method="Issue",le="0.0005"})"), 2);
  EXPECT_EQ(Sample(text, R"(sts_rpc_duration_seconds_bucket{method="Issue",le="+Inf"})"), 3);
  EXPECT_NEAR(Sample(text, R"(sts_rpc_duration_seconds_sum{method="Issue"})"), 0.00335, 1e-9);
  // The refusal's reason is never a label.
  EXPECT_EQ(text.find("replayed"), std::string::npos);
  EXPECT_EQ(text.find("the-quota-reason"), std::string::npos);
}

TEST(CallMetricsTest, AFaultOutsideTheTableIsOther) {
  CallMetrics m;
  m.Record(Method::kCancel,
           wire::RefuseWithFault(absl::StatusCode::kUnauthenticated, "wsse:Invented", "urn:x", "r"),
           absl::ZeroDuration());
  EXPECT_EQ(Sample(Text(m), R"(sts_rpcs_total{method="Cancel",outcome="refused",code="UNAUTHENTICATED",fault="other"})"), 1);
  EXPECT_EQ(MethodNamed("Issue"), Method::kIssue);
  EXPECT_EQ(MethodNamed("Amend"), Method::kAmend);
  EXPECT_EQ(MethodNamed("issue"), std::nullopt);
}

TEST(HistogramTest, BucketsAreUpperBoundsInclusive) {
  LatencyHistogram h({0.001, 0.01});
  h.Observe(absl::Milliseconds(1));
  h.Observe(absl::Milliseconds(5));
  h.Observe(absl::Seconds(1));
  h.Observe(absl::Microseconds(-5));  // a clock step: counted as 0
  const prometheus::ClientMetric::Histogram s = h.Snapshot();
  ASSERT_EQ(s.bucket.size(), 3u);
  EXPECT_EQ(s.bucket[0].cumulative_count, 2u);
  EXPECT_EQ(s.bucket[1].cumulative_count, 3u);
  EXPECT_EQ(s.bucket[2].cumulative_count, 4u);
  EXPECT_EQ(s.sample_count, 4u);
  EXPECT_NEAR(s.sample_sum, 1.006, 1e-9);
}

TEST(TopPrincipalsTest, NamesTheBusiestAndSumsTheRestUnderOther) {
  TopPrincipals top(3);
  for (int i = 0; i < 500; ++i) top.Add("spiffe://t/heavy");
  for (int i = 0; i < 300; ++i) top.Add("spiffe://t/second");
  for (int i = 0; i < 200; ++i) top.Add("dns:third.example");
  // Many principals issued once each: far more than the sketch monitors.
  for (int i = 0; i < 5000; ++i) top.Add(absl::StrCat("spiffe://t/crowd/", i));
  for (int i = 0; i < 100; ++i) top.Add("spiffe://t/heavy");
  const std::vector<TopPrincipals::Entry> e = top.Top();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].principal, "spiffe://t/heavy");
  EXPECT_EQ(e[1].principal, "spiffe://t/second");
  EXPECT_EQ(e[2].principal, "dns:third.example");
  // Lower bounds: never more than the truth.
  EXPECT_LE(e[0].count, 600u);
  EXPECT_LE(e[1].count, 300u);
  EXPECT_LE(e[2].count, 200u);
  EXPECT_GE(e[2].count, 150u);
  EXPECT_EQ(top.total(), 6100u);
  const std::string text = Text(top);
  const double named = Sample(text, R"(sts_issued_by_principal_total{principal="spiffe://t/heavy"})") +
                       Sample(text, R"(sts_issued_by_principal_total{principal="spiffe://t/second"})") +
                       Sample(text, R"(sts_issued_by_principal_total{principal="dns:third.example"})");
  EXPECT_EQ(named + Sample(text, R"(sts_issued_by_principal_total{principal="_other"})"), 6100);
  // Bounded: the crowd is not named.
  EXPECT_EQ(text.find("crowd"), std::string::npos);
}

TEST(TopPrincipalsTest, NothingIssuedIsAZeroOther) {
  TopPrincipals top(10);
  EXPECT_TRUE(top.Top().empty());
  EXPECT_EQ(Sample(Text(top), R"(sts_issued_by_principal_total{principal="_other"})"), 0);
}

TEST(ReloadMetricsTest, CountsEachFileAndResult) {
  ReloadMetrics r;
  r.Applied(ReloadMetrics::File::kConfig);
  r.Rejected(ReloadMetrics::File::kConfig);
  r.Rejected(ReloadMetrics::File::kConfig);
  r.SetRestartPending(true);
  const std::string text = Text(r);
  EXPECT_EQ(Sample(text, R"(sts_reloads_total{file="config",result="applied"})"), 1);
  EXPECT_EQ(Sample(text, R"(sts_reloads_total{file="config",result="rejected"})"), 2);
  EXPECT_EQ(Sample(text, R"(sts_reloads_total{file="keyset",result="rejected"})"), 0);
  EXPECT_EQ(Sample(text, "sts_config_restart_pending"), 1);
}

// GET /metrics over a plain socket: what Prometheus does.
std::string Get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  ::send(fd, request.data(), request.size(), 0);
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, n);
  ::close(fd);
  return response;
}

TEST(MetricsEndpointTest, ServesTheCollectablesOnLoopback) {
  auto calls = std::make_shared<CallMetrics>();
  calls->Record(Method::kValidate, absl::OkStatus(), absl::Milliseconds(1));
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
      MetricsEndpoint::Start("127.0.0.1:0", {calls});
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  ASSERT_GT((*endpoint)->port(), 0);
  const std::string response = Get((*endpoint)->port(), "/metrics");
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find(R"(sts_rpcs_total{method="Validate",outcome="ok",code="OK",fault="none"} 1)"),
            std::string::npos)
      << response;
  // Nothing else is served.
  EXPECT_EQ(Get((*endpoint)->port(), "/").find("200 OK"), std::string::npos);
  // A second listener on the same port is refused cleanly.
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> again =
      MetricsEndpoint::Start(absl::StrCat("127.0.0.1:", (*endpoint)->port()), {calls});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable) << again.status();
}

TEST(MetricsEndpointTest, RefusesAnAddressThatIsNoHostPort) {
  for (const char* bad : {"", "localhost:", "127.0.0.1:http", "127.0.0.1:99x"}) {
    EXPECT_EQ(MetricsEndpoint::Start(bad, {}).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(MetricsBindAddress("9090"), "127.0.0.1:9090");
  EXPECT_EQ(MetricsBindAddress(":9090"), "127.0.0.1:9090");
  EXPECT_EQ(MetricsBindAddress("0.0.0.0:9090"), "0.0.0.0:9090");
}

}  // namespace
}  // namespace sts::metrics
