#ifndef STS_TESTS_HARNESS_REDIS_PROCESS_H_
#define STS_TESTS_HARNESS_REDIS_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace sts::testing {

// Debian's redis-server as a child process on a free loopback port, with
// persistence off. Stop() and Start() again keep the port, to test outages.
class RedisProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RedisProcess>> Start();
  ~RedisProcess();  // kills it

  absl::Status Restart();  // after Stop(): the same port, empty data
  void Stop();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  absl::Status Launch();
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

// A port the kernel says is free now.
int FreeLoopbackPort();

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_REDIS_PROCESS_H_
