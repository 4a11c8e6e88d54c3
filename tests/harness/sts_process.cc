#include "tests/harness/sts_process.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "tests/harness/runfiles.h"

namespace sts::testing {

const char kDefaultTestPolicy[] = R"pb(
policy {
  issue {
    principal: "spiffe://test.example/client"
    principal: "spiffe://test.example/quota"
    principal: "dns:client.test.example"
    principal: "cn:cn-client"
    applies_to: "*"
  }
  validate { principal: "spiffe://test.example/relying-party" release_keys_to_audience: true }
  validate { principal: "spiffe://test.example/stranger" }
}
)pb";

namespace {

// A port the kernel says is free now (the server binds it right after).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<StsProcess>> StsProcess::Start(
    const TestPki& pki, const std::string& config_text,
    const std::vector<std::string>& extra_flags) {
  auto process = std::unique_ptr<StsProcess>(new StsProcess());
  process->dir_ = NewTempDir("sts");
  process->health_port_ = FreePort();
  const std::string config_path = process->dir_ + "/sts.textproto";
  {
    std::ofstream config(config_path);
    config << "listen_address: \"127.0.0.1:0\"\n"
           << "health_listen_address: \"127.0.0.1:" << process->health_port_ << "\"\n"
           << "tls { client_ca_file: \"" << pki.Pem("ca") << "\" cert_file: \""
           << pki.Pem("server") << "\" key_file: \"" << pki.Key("server") << "\" }\n"
           << "audit { path: \"" << process->audit_log_path() << "\" }\n"
           << config_text << "\n";
  }
  const std::string port_file = process->dir_ + "/port";
  std::vector<std::string> argv = {Runfile("sts/sts_server"), "--config=" + config_path,
                                   "--port_file=" + port_file};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());

  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open((process->dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open((process->dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  process->pid_ = pid;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    if (in >> process->port_ && process->port_ > 0) return process;
    if (!process->Running()) {
      return absl::InternalError(absl::StrCat("sts_server exited during start-up: ",
                                              process->ReadStderr()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("sts_server did not report its port in 20 s");
}

bool StsProcess::Running() {
  if (pid_ <= 0) return false;
  int status;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string StsProcess::ReadStderr() const {
  std::ifstream in(dir_ + "/stderr");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<int> StsProcess::Terminate(absl::Duration bound) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  ::kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + bound;
  while (absl::Now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::DeadlineExceededError("sts_server did not exit after SIGTERM");
}

void StsProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

StsProcess::~StsProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

}  // namespace sts::testing
