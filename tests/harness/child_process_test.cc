// SpawnChild and FreeLoopbackPort: what every process-level test stands on,
// including the refusal paths a broken runfiles tree or a full fd table hits.
#include "tests/harness/child_process.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace sts::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Waits for `pid` and returns its exit code (-1 if it did not exit normally).
int ExitCode(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(SpawnChildTest, RunsTheProgramWithItsArgumentsAndSplitsTheStreams) {
  const std::string out = TempPath("split.out");
  const std::string err = TempPath("split.err");
  absl::StatusOr<pid_t> pid =
      SpawnChild({"/bin/sh", "-c", "echo \"to out $0\"; echo to err >&2; exit 7", "arg0"}, out,
                 err);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(ExitCode(*pid), 7);
  EXPECT_EQ(Slurp(out), "to out arg0\n");
  EXPECT_EQ(Slurp(err), "to err\n");
}

TEST(SpawnChildTest, OnePathTakesBothStreams) {
  const std::string log = TempPath("both.log");
  absl::StatusOr<pid_t> pid = SpawnChild({"/bin/sh", "-c", "echo one; echo two >&2"}, log, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(ExitCode(*pid), 0);
  EXPECT_EQ(Slurp(log), "one\ntwo\n");
}

TEST(SpawnChildTest, AppendKeepsWhatTheFileHeldAndTruncateDoesNot) {
  const std::string log = TempPath("append.log");
  { std::ofstream(log) << "earlier run\n"; }
  absl::StatusOr<pid_t> pid = SpawnChild({"/bin/echo", "restart"}, log, log, /*append=*/true);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(ExitCode(*pid), 0);
  EXPECT_EQ(Slurp(log), "earlier run\nrestart\n");

  pid = SpawnChild({"/bin/echo", "fresh"}, log, log);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(ExitCode(*pid), 0);
  EXPECT_EQ(Slurp(log), "fresh\n");
}

TEST(SpawnChildTest, AMissingProgramIsAnErrorNamingIt) {
  const std::string log = TempPath("missing.log");
  absl::StatusOr<pid_t> pid = SpawnChild({"/nonexistent/sts_server", "--flag"}, log, log);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("/nonexistent/sts_server"), std::string::npos)
      << pid.status();
}

TEST(SpawnChildTest, AnUnwritableLogIsAnError) {
  absl::StatusOr<pid_t> pid =
      SpawnChild({"/bin/true"}, "/nonexistent-dir/out", "/nonexistent-dir/err");
  EXPECT_FALSE(pid.ok());
}

TEST(SpawnChildTest, NoProgramIsInvalidArgument) {
  absl::StatusOr<pid_t> pid = SpawnChild({}, TempPath("none.out"), TempPath("none.err"));
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FreeLoopbackPortTest, GivesAPortThatCanBeBound) {
  absl::StatusOr<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);
  ASSERT_LT(*port, 65536);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(*port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
}

}  // namespace
}  // namespace sts::testing
