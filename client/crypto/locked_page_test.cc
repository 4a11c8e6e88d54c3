#include "client/crypto/locked_page.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

// The VmFlags line of the mapping that starts at `address`, from
// /proc/self/smaps ("dd": not dumped, "wf": wiped on fork).
std::string VmFlagsOf(const void* address) {
  char start[32];
  std::snprintf(start, sizeof(start), "%lx-", reinterpret_cast<unsigned long>(address));
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  while (std::getline(smaps, line)) {
    if (line.rfind(start, 0) == 0) in_mapping = true;
    if (in_mapping && line.rfind("VmFlags:", 0) == 0) return line + " ";
  }
  return "";
}

TEST(LockedPageTest, IsWritableAndMarkedNotDumpedAndWipedOnFork) {
  LockedPage page;
  ASSERT_NE(page.data(), nullptr);
  std::memset(page.data(), 0xA5, LockedPage::kSize);
  EXPECT_EQ(page.data()[LockedPage::kSize - 1], 0xA5);
  const std::string flags = VmFlagsOf(page.data());
  ASSERT_FALSE(flags.empty()) << "no mapping of its own in /proc/self/smaps";
  EXPECT_NE(flags.find(" dd "), std::string::npos) << flags;
  EXPECT_NE(flags.find(" wf "), std::string::npos) << flags;
}

TEST(LockedPageTest, AForkedChildSeesZeros) {
  LockedPage page;
  ASSERT_NE(page.data(), nullptr);
  std::memset(page.data(), 0xA5, LockedPage::kSize);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (size_t i = 0; i < LockedPage::kSize; ++i) {
      if (page.data()[i] != 0) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child read its parent's bytes";
  EXPECT_EQ(page.data()[0], 0xA5);  // the parent's copy is untouched
}

}  // namespace
}  // namespace sts::crypto
