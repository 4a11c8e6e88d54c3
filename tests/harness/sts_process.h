#ifndef STS_TESTS_HARNESS_STS_PROCESS_H_
#define STS_TESTS_HARNESS_STS_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {

// The real sts_server binary, started as a child process on a free loopback
// port with the test PKI. Its stdout/stderr go to files in its directory.
class StsProcess {
 public:
  // `config_text`: extra StsConfig text (policy, tokens, ...) appended to the
  // listen/TLS settings this harness provides. `extra_flags` go on the
  // command line.
  static absl::StatusOr<std::unique_ptr<StsProcess>> Start(
      const TestPki& pki, const std::string& config_text,
      const std::vector<std::string>& extra_flags = {});
  ~StsProcess();  // SIGKILL if still running

  std::string address() const { return "localhost:" + std::to_string(port_); }
  int port() const { return port_; }
  int health_port() const { return health_port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string audit_log_path() const { return dir_ + "/audit.log"; }
  std::string ReadStderr() const;
  bool Running();
  // For a failure message: alive or not, its threads' states, its output's tail.
  std::string Describe();

  // SIGKILL, as a crash would: no draining, no zeroization.
  void Kill();

  // SIGTERM, then wait up to `bound`. Returns the exit code; DeadlineExceeded
  // if it did not exit in time (it is then killed).
  absl::StatusOr<int> Terminate(absl::Duration bound = absl::Seconds(15));

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int health_port_ = 0;
  std::string dir_;
};

// The policy most end-to-end tests use (see TestPki for the identities).
extern const char kDefaultTestPolicy[];

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_STS_PROCESS_H_
