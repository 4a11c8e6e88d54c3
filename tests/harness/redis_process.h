#ifndef STS_TESTS_HARNESS_REDIS_PROCESS_H_
#define STS_TESTS_HARNESS_REDIS_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {

// Debian's redis-server as a child process on a free loopback port, in its
// own directory. Stop() is a crash (SIGKILL); Restart() starts it again on
// the same port and directory, so what it persisted there (with a
// configuration that persists) is loaded again. Pause() freezes it
// (SIGSTOP): the kernel still accepts connections, nothing answers.
class RedisProcess {
 public:
  struct Options {
    // A redis.conf to start from, e.g. Runfile("docker/redis/redis.conf").
    // Empty: persistence off. Either way the harness sets port, bind, dir
    // and daemonize on the command line, after the file.
    std::string config_file;
    // Serve TLS only (--tls-port; the plain port is closed). The TLS files
    // go in extra_args (--tls-cert-file, --tls-key-file, --tls-ca-cert-file).
    bool tls = false;
    // More command-line settings, applied last (e.g. {"--aclfile", path}).
    std::vector<std::string> extra_args;
  };

  static absl::StatusOr<std::unique_ptr<RedisProcess>> Start(const Options& options);
  static absl::StatusOr<std::unique_ptr<RedisProcess>> Start() { return Start(Options()); }
  ~RedisProcess();  // kills it

  absl::Status Restart();  // after Stop(), or instead of it: the same port and directory
  void Stop();
  void Pause();
  void Resume();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string ReadLog() const;

 private:
  static constexpr const char* kReady = "Ready to accept connections";
  absl::Status Launch();
  // How many times the log says Redis became ready.
  int ReadyLines() const;
  Options options_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

// The Redis this project ships (docker/redis/redis.conf: append-only file,
// fsync on every write), locked down as that file says: ACL user "sts" with
// a fresh random password kept in `password_file` (0600; the ACL file is
// written from it by docker/redis/make_users_acl.sh), the default user off.
// With `pki`, TLS only and client certificates required: Redis presents the
// PKI's "server" certificate (localhost, 127.0.0.1) and trusts its CA "ca".
struct ShippedRedis {
  std::unique_ptr<RedisProcess> process;
  std::string password_file;
  std::string username = "sts";
};
absl::StatusOr<ShippedRedis> StartShippedRedis(const TestPki* pki = nullptr);

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_REDIS_PROCESS_H_
