#ifndef STS_TESTS_SOAK_SOAK_H_
#define STS_TESTS_SOAK_SOAK_H_

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/soak/process_stats.h"

namespace sts::soak {

// The soak: a real sts_server (//sts:sts_server, the test PKI of
// sts/dev/make_pki.sh) on loopback, in one store mode, under mixed load for
// a set time:
//   - well-formed clients, each on its own connection, taking contexts
//     through their whole life: Issue (a quarter with entropy, HKDF computed
//     key), Validate as the audience, Renew, Validate, Cancel, Validate;
//   - misbehaving ones, each kind on its own thread at its own pace: slow
//     readers (through a throttling relay), abrupt disconnects (a relay that
//     resets mid-call, and bare connect-and-reset), garbage bytes on the TLS
//     port, TLS handshakes that stall, expired proofs, replayed proofs,
//     oversized requests (past the transport limit, and a field past its
//     own).
// Every few seconds it prints throughput, failures by kind, and the
// server's RSS and open descriptors; at the end, a summary with their
// slopes. Bounded in count (threads and connections are fixed) and time;
// loopback only.
struct SoakOptions {
  enum class Mode { kKeyring, kCookie };
  Mode mode = Mode::kKeyring;
  absl::Duration duration = absl::Minutes(10);
  absl::Duration report_interval = absl::Seconds(5);
  // The slopes are fitted to the samples after this (the server's state
  // grows to its steady size first: retention and proof windows).
  absl::Duration settle = absl::Minutes(2);
  int clients = 8;
  int stalled_handshakes = 8;  // held at once
  FILE* out = stdout;
};

struct SoakReport {
  std::string mode;
  double seconds = 0;
  // Well-formed calls answered as expected, by operation.
  std::map<std::string, long> ok;
  // Well-formed calls that failed or were answered wrongly, by kind
  // ("Renew UNAVAILABLE wst:RequestFailed", "Validate said expired").
  std::map<std::string, long> failed;
  // Misbehaving clients: the expected outcomes by kind...
  std::map<std::string, long> misbehaviour;
  // ...and the unexpected ones (a refusal with the wrong code, a garbage
  // connection the server kept, ...).
  std::map<std::string, long> unexpected;
  std::vector<ProcessSample> samples;
  double rss_slope_kib_per_min = 0;
  double fd_slope_per_min = 0;
  long rss_settled_min_kib = 0, rss_settled_max_kib = 0;
  int fds_settled_min = 0, fds_settled_max = 0;
  double longest_stall_seconds = 0;  // a stalled handshake held open
  int exit_code = -1;                // sts_server's, after SIGTERM at the end
  bool server_died = false;
  std::string server_stderr_tail;  // printed when something failed

  long well_formed_calls() const;
  long failures() const;
  long unexpected_count() const;
};

absl::StatusOr<SoakReport> RunSoak(const SoakOptions& options);

// The summary block, as printed at the end of a run.
void PrintSummary(const SoakReport& report, FILE* out);

}  // namespace sts::soak

#endif  // STS_TESTS_SOAK_SOAK_H_
