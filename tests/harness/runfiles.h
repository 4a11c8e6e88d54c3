#ifndef STS_TESTS_HARNESS_RUNFILES_H_
#define STS_TESTS_HARNESS_RUNFILES_H_

#include <string>

namespace sts::testing {

// Absolute path of a file of this workspace in the test's runfiles, e.g.
// Runfile("sts/sts_server").
std::string Runfile(const std::string& workspace_relative);

// A fresh directory under the test's temporary directory.
std::string NewTempDir(const std::string& name);

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_RUNFILES_H_
