// soak: the STS under mixed load with misbehaving clients for a set time
// (tests/soak/soak.h says what runs). From the workspace root:
//
//   bazel run //tests/soak:soak -- --mode=both --duration=10m
//
// prints a progress line every --interval and a summary per mode, and exits
// non-zero if a well-formed call failed, a misbehaving client got an
// unexpected answer, or the server died or did not exit cleanly. Its files
// (PKI, audit log, Redis) live in a temporary directory removed at the end.
#include <stdlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "tests/soak/soak.h"

ABSL_FLAG(std::string, mode, "both", "keyring | cookie | both (one after the other)");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(10), "how long each mode runs");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(5), "progress line every");
ABSL_FLAG(absl::Duration, settle, absl::Minutes(2),
          "slopes are fitted after this (at most half the run)");
ABSL_FLAG(int, clients, 8, "well-formed clients (threads, one connection each)");
ABSL_FLAG(int, stalled_handshakes, 8, "stalled TLS handshakes held at once");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Soaks the STS under mixed and misbehaving load; see tests/soak.");
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  std::vector<sts::soak::SoakOptions::Mode> modes;
  if (mode == "keyring" || mode == "both") modes.push_back(sts::soak::SoakOptions::Mode::kKeyring);
  if (mode == "cookie" || mode == "both") modes.push_back(sts::soak::SoakOptions::Mode::kCookie);
  if (modes.empty()) {
    std::fprintf(stderr, "soak: --mode must be keyring, cookie or both\n");
    return 2;
  }
  // Everything the run writes goes under one directory, removed at the end.
  char dir_template[] = "/tmp/sts-soak.XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr) {
    std::perror("soak: mkdtemp");
    return 2;
  }
  ::setenv("TEST_TMPDIR", dir, 1);

  bool all_passed = true;
  for (sts::soak::SoakOptions::Mode m : modes) {
    sts::soak::SoakOptions options;
    options.mode = m;
    options.duration = absl::GetFlag(FLAGS_duration);
    options.report_interval = absl::GetFlag(FLAGS_interval);
    options.settle = absl::GetFlag(FLAGS_settle);
    options.clients = absl::GetFlag(FLAGS_clients);
    options.stalled_handshakes = absl::GetFlag(FLAGS_stalled_handshakes);
    absl::StatusOr<sts::soak::SoakReport> report = sts::soak::RunSoak(options);
    if (!report.ok()) {
      std::fprintf(stderr, "soak: %s\n", report.status().ToString().c_str());
      all_passed = false;
      continue;
    }
    sts::soak::PrintSummary(*report, stdout);
    const bool passed = report->failures() == 0 && report->unexpected_count() == 0 &&
                        !report->server_died && report->exit_code == 0;
    std::printf("verdict: %s\n\n", passed ? "PASS" : "FAIL");
    all_passed = all_passed && passed;
  }
  const std::string cleanup = absl::StrCat("rm -rf '", dir, "'");
  if (std::system(cleanup.c_str()) != 0) std::fprintf(stderr, "soak: could not remove %s\n", dir);
  return all_passed ? 0 : 1;
}
