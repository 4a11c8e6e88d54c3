#ifndef STS_TESTS_HARNESS_CHILD_PROCESS_H_
#define STS_TESTS_HARNESS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sts::testing {

// Starts `argv[0]` with `argv` as a child process, its stdout going to
// `stdout_path` and its stderr to `stderr_path` (the same path: one file,
// both streams). `append` keeps what the files already hold.
//
// posix_spawn, not fork + exec: tests start servers while their own load
// threads run, and a forked child of a multi-threaded process may only make
// async-signal-safe calls before exec. The old fork path allocated and opened
// files there; under ThreadSanitizer, whose interceptors take locks another
// thread may have held at the fork, that is the likely cause of a restarted
// sts_server that never came up in CI.
absl::StatusOr<pid_t> SpawnChild(const std::vector<std::string>& argv,
                                 const std::string& stdout_path, const std::string& stderr_path,
                                 bool append = false);

// A loopback TCP port the kernel says is free now (the caller binds it next).
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_CHILD_PROCESS_H_
