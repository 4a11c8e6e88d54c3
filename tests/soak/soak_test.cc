// The soak's short variant, so CI exercises the whole driver: 20 s in each
// store mode. It checks what a long run checks (no well-formed call failed,
// every misbehaving client got the answer it should, every kind of
// misbehaviour happened, the server exited cleanly), not the slopes: 20 s
// is too short to fit them.
#include "gtest/gtest.h"
#include "tests/soak/soak.h"

namespace sts::soak {
namespace {

class SoakShortTest : public ::testing::TestWithParam<SoakOptions::Mode> {};

TEST_P(SoakShortTest, TwentySecondsOfMixedAndMisbehavingLoad) {
  SoakOptions options;
  options.mode = GetParam();
  options.duration = absl::Seconds(20);
  options.report_interval = absl::Seconds(5);
  options.clients = 4;
  options.stalled_handshakes = 4;
  absl::StatusOr<SoakReport> report = RunSoak(options);
  ASSERT_TRUE(report.ok()) << report.status();
  PrintSummary(*report, stdout);
  EXPECT_FALSE(report->server_died);
  EXPECT_EQ(report->exit_code, 0);
  EXPECT_EQ(report->failures(), 0);
  EXPECT_EQ(report->unexpected_count(), 0);
  for (const char* op : {"Issue", "Validate", "Renew", "Cancel"}) {
    EXPECT_GT(report->ok[op], 0) << op;
  }
  for (const char* kind :
       {"slow reader: answered", "abrupt disconnect: connect and reset",
        "garbage: connection closed by the server", "stalled handshake: still held at the end",
        "expired proof: refused (wst:ExpiredData)", "future proof: refused (wst:ExpiredData)",
        "replayed proof: refused (wst:FailedAuthentication)",
        "oversized request: refused by the transport",
        "oversized field: refused (wst:InvalidRequest)"}) {
    EXPECT_GT(report->misbehaviour[kind], 0) << kind;
  }
  EXPECT_GE(report->samples.size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(BothStores, SoakShortTest,
                         ::testing::Values(SoakOptions::Mode::kKeyring, SoakOptions::Mode::kCookie),
                         [](const ::testing::TestParamInfo<SoakOptions::Mode>& info) {
                           return info.param == SoakOptions::Mode::kKeyring ? "Keyring" : "Cookie";
                         });

}  // namespace
}  // namespace sts::soak
