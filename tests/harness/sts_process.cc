#include "tests/harness/sts_process.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "tests/harness/child_process.h"
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

// Generous: a sanitizer build starts several times slower than an optimised
// one, and slower again on a loaded two-CPU machine. A hang still fails, and
// Describe says what the child was doing.
constexpr absl::Duration kStartBound = absl::Seconds(60);

// The last `limit` bytes of a file ("" if it cannot be read).
std::string ReadFileTail(const std::string& path, size_t limit) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > limit ? all.substr(all.size() - limit) : all;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StsProcess>> StsProcess::Start(
    const TestPki& pki, const std::string& config_text,
    const std::vector<std::string>& extra_flags) {
  auto process = std::unique_ptr<StsProcess>(new StsProcess());
  process->dir_ = NewTempDir("sts");
  absl::StatusOr<int> health_port = FreeLoopbackPort();
  if (!health_port.ok()) return health_port.status();
  process->health_port_ = *health_port;
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

  absl::StatusOr<pid_t> pid =
      SpawnChild(argv, process->dir_ + "/stdout", process->dir_ + "/stderr");
  if (!pid.ok()) return pid.status();
  process->pid_ = *pid;
  const absl::Time deadline = absl::Now() + kStartBound;
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    if (in >> process->port_ && process->port_ > 0) return process;
    if (!process->Running()) {
      return absl::InternalError(absl::StrCat("sts_server exited during start-up: ",
                                              process->ReadStderr()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("sts_server did not report its port in ", absl::FormatDuration(kStartBound),
                   "; ", process->Describe()));
}

std::string StsProcess::Describe() {
  // What a hung start-up leaves to look at: each thread's scheduler state and
  // where it sleeps in the kernel, and the tail of the server's own output.
  std::string out = absl::StrCat("pid ", pid_, Running() ? " running" : " exited");
  if (pid_ > 0) {
    const std::string tasks = absl::StrCat("/proc/", pid_, "/task");
    if (DIR* dir = ::opendir(tasks.c_str())) {
      std::map<std::string, int> states;
      while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.') continue;
        const std::string task = tasks + "/" + entry->d_name;
        std::string stat = ReadFileTail(task + "/stat", 512);
        std::string wchan = ReadFileTail(task + "/wchan", 64);
        // stat is "tid (comm) S ...": the state is the field after the comm.
        const size_t close = stat.rfind(')');
        const std::string state = close != std::string::npos && close + 2 < stat.size()
                                      ? stat.substr(close + 2, 1)
                                      : "?";
        ++states[absl::StrCat(state, "/", wchan.empty() ? "-" : wchan)];
      }
      ::closedir(dir);
      absl::StrAppend(&out, "; threads by state/wchan:");
      for (const auto& [state, n] : states) absl::StrAppend(&out, " ", state, " x", n);
    }
  }
  absl::StrAppend(&out, "; stderr tail: ", ReadFileTail(dir_ + "/stderr", 4096),
                  "; stdout tail: ", ReadFileTail(dir_ + "/stdout", 1024));
  return out;
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
  return ReadFileTail(dir_ + "/stderr", std::string::npos);
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
