#include "tests/harness/redis_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness/child_process.h"
#include "tests/harness/runfiles.h"

namespace sts::testing {

absl::StatusOr<std::unique_ptr<RedisProcess>> RedisProcess::Start(const Options& options) {
  if (::access("/usr/bin/redis-server", X_OK) != 0) {
    return absl::FailedPreconditionError(
        "redis-server is missing: apt-get install -y redis-server (sts/dev/setup_host.sh does)");
  }
  auto redis = std::unique_ptr<RedisProcess>(new RedisProcess());
  redis->options_ = options;
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  redis->port_ = *port;
  redis->dir_ = NewTempDir("redis");
  if (absl::Status s = redis->Launch(); !s.ok()) return s;
  return redis;
}

int RedisProcess::ReadyLines() const {
  const std::string log = ReadLog();
  int lines = 0;
  for (size_t at = log.find(kReady); at != std::string::npos; at = log.find(kReady, at + 1)) {
    ++lines;
  }
  return lines;
}

absl::Status RedisProcess::Launch() {
  const int ready_before = ReadyLines();
  std::vector<std::string> argv = {"/usr/bin/redis-server"};
  if (options_.config_file.empty()) {
    argv.insert(argv.end(), {"--save", "", "--appendonly", "no"});
  } else {
    argv.push_back(options_.config_file);
  }
  if (options_.tls) {
    argv.insert(argv.end(), {"--port", "0", "--tls-port", std::to_string(port_)});
  } else {
    argv.insert(argv.end(), {"--port", std::to_string(port_)});
  }
  argv.insert(argv.end(), {"--bind", "127.0.0.1", "--dir", dir_, "--daemonize", "no",
                           "--logfile", ""});
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  const std::string log = dir_ + "/redis.log";
  absl::StatusOr<pid_t> pid = SpawnChild(argv, log, log, /*append=*/true);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  // Ready once it says so in its log (the log is appended across restarts,
  // so one more "Ready" line than before) and accepts a connection. Redis
  // listens before it has loaded its data and answers LOADING until then, so
  // an accepted connection alone is not ready.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("redis-server exited at start: ", ReadLog()));
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (up && ReadyLines() > ready_before) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("redis-server did not listen on ", port_));
}

void RedisProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisProcess::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisProcess::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string RedisProcess::ReadLog() const {
  std::ifstream in(dir_ + "/redis.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status RedisProcess::Restart() {
  Stop();
  return Launch();
}

RedisProcess::~RedisProcess() { Stop(); }

absl::StatusOr<ShippedRedis> StartShippedRedis(const TestPki* pki) {
  ShippedRedis out;
  const std::string dir = NewTempDir("redis-secrets");
  out.password_file = dir + "/redis.password";
  {
    std::ifstream random("/dev/urandom", std::ios::binary);
    char bytes[24];
    if (!random.read(bytes, sizeof(bytes))) return absl::InternalError("cannot read /dev/urandom");
    const int fd = ::open(out.password_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return absl::InternalError("cannot write the Redis password file");
    const std::string password = absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes))) + "\n";
    const bool written = ::write(fd, password.data(), password.size()) ==
                         static_cast<ssize_t>(password.size());
    ::close(fd);
    if (!written) return absl::InternalError("cannot write the Redis password file");
  }
  const std::string acl = dir + "/users.acl";
  const std::string command = absl::StrCat(Runfile("docker/redis/make_users_acl.sh"), " ",
                                           out.password_file, " > ", acl);
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  RedisProcess::Options options;
  options.config_file = Runfile("docker/redis/redis.conf");
  options.extra_args = {"--aclfile", acl};
  if (pki != nullptr) {
    options.tls = true;
    options.extra_args.insert(options.extra_args.end(),
                              {"--tls-cert-file", pki->Pem("server"), "--tls-key-file",
                               pki->Key("server"), "--tls-ca-cert-file", pki->Pem("ca"),
                               "--tls-auth-clients", "yes"});
  }
  absl::StatusOr<std::unique_ptr<RedisProcess>> process = RedisProcess::Start(options);
  if (!process.ok()) return process.status();
  out.process = *std::move(process);
  return out;
}

}  // namespace sts::testing
