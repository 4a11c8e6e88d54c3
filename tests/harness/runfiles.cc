#include "tests/harness/runfiles.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace sts::testing {

std::string Runfile(const std::string& workspace_relative) {
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* dir = std::getenv(var); dir != nullptr && *dir != '\0') {
      return std::string(dir) + "/sts/" + workspace_relative;
    }
  }
  return workspace_relative;  // run from the workspace root by hand
}

std::string NewTempDir(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(base != nullptr ? base : "/tmp") + "/" + name + "." +
                    std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

}  // namespace sts::testing
