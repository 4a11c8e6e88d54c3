#include "client/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "gtest/gtest.h"

namespace sts {
namespace {

TEST(CoreDumpsTest, TheProcessBecomesNonDumpableWithNoCoreLimit) {
  ASSERT_TRUE(DisableCoreDumps().ok());
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
  struct rlimit core;
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  EXPECT_EQ(core.rlim_cur, 0u);
  EXPECT_EQ(core.rlim_max, 0u);
  // Idempotent.
  EXPECT_TRUE(DisableCoreDumps().ok());
}

}  // namespace
}  // namespace sts
