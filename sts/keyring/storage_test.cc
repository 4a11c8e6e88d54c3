#include <algorithm>
#include <cstdint>

#include "gtest/gtest.h"
#include "sts/keyring/intern_table.h"
#include "sts/keyring/secure_pool.h"

namespace sts::keyring {
namespace {

TEST(SecureSlabPoolTest, ReleasedSlotsAreZeroizedAndReused) {
  SecureSlabPool pool(128);
  auto* slot = static_cast<uint8_t*>(pool.Allocate());
  for (int i = 0; i < 128; ++i) EXPECT_EQ(slot[i], 0);
  std::fill(slot, slot + 128, 0xAB);
  pool.Release(slot);
  auto* again = static_cast<uint8_t*>(pool.Allocate());
  EXPECT_EQ(again, slot);  // LIFO reuse
  for (int i = 0; i < 128; ++i) EXPECT_EQ(again[i], 0) << i;
  EXPECT_EQ(pool.slots_in_use(), 1u);
}

TEST(SecureSlabPoolTest, ASlotLargerThanAChunkStillGetsOneToItself) {
  constexpr size_t kBig = 300 * 1024;  // above the 256 KiB chunk
  SecureSlabPool pool(kBig);
  auto* a = static_cast<uint8_t*>(pool.Allocate());
  auto* b = static_cast<uint8_t*>(pool.Allocate());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::fill(a, a + kBig, 0x11);  // the whole slot is usable
  std::fill(b, b + kBig, 0x22);
  EXPECT_EQ(a[kBig - 1], 0x11);  // and the two do not overlap
  EXPECT_GE(pool.bytes_mapped(), 2 * kBig);
  pool.Release(a);
  pool.Release(b);
  EXPECT_EQ(pool.slots_in_use(), 0u);
}

TEST(InternTableTest, SharesOneCopyAndForgetsItWithTheLastHolder) {
  InternTable table;
  Interned* a = table.Acquire("spiffe://example.org/a");
  Interned* b = table.Acquire("spiffe://example.org/a");
  EXPECT_EQ(a, b);
  EXPECT_EQ(table.size(), 1u);
  table.Release(a);
  EXPECT_EQ(table.size(), 1u);
  table.Release(b);
  EXPECT_EQ(table.size(), 0u);
}

// Security review, medium 8: key memory is locked (out of swap) as far as
// RLIMIT_MEMLOCK allows, and what could not be locked is counted.
TEST(SecureSlabPoolTest, KeyMemoryIsLockedWithinTheLimit) {
  SecureSlabPool pool(136);
  pool.Allocate();
  EXPECT_GT(pool.bytes_mapped(), 0u);
  EXPECT_EQ(pool.bytes_locked() + pool.bytes_unlocked(), pool.bytes_mapped());
  EXPECT_EQ(pool.bytes_locked(), pool.bytes_mapped()) << "RLIMIT_MEMLOCK below one chunk?";
}

}  // namespace
}  // namespace sts::keyring
