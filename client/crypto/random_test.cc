#include "client/crypto/random.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

TEST(RandomFillTest, TwoDrawsDiffer) {
  std::array<uint8_t, 32> a{};
  std::array<uint8_t, 32> b{};
  ASSERT_TRUE(RandomFill(absl::MakeSpan(a)).ok());
  ASSERT_TRUE(RandomFill(absl::MakeSpan(b)).ok());
  // Equal 256-bit draws (or an all-zero one) would mean a broken generator.
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
}

TEST(RandomFillTest, FillsTheWholeBufferAndNothingElse) {
  // Guard bytes around the target must stay untouched, and every byte inside
  // must be written: across a few draws each position takes a nonzero value.
  std::vector<uint8_t> buffer(1 + 4096 + 1, 0);
  std::vector<bool> seen_nonzero(4096, false);
  for (int draw = 0; draw < 4; ++draw) {
    ASSERT_TRUE(RandomFill(absl::MakeSpan(buffer.data() + 1, 4096)).ok());
    for (size_t i = 0; i < 4096; ++i) {
      if (buffer[1 + i] != 0) seen_nonzero[i] = true;
    }
  }
  EXPECT_EQ(buffer.front(), 0);
  EXPECT_EQ(buffer.back(), 0);
  // P(a position is zero in all 4 draws) = 2^-32 per byte.
  EXPECT_EQ(std::count(seen_nonzero.begin(), seen_nonzero.end(), false), 0);
}

TEST(RandomFillTest, EmptySpanIsOk) {
  EXPECT_TRUE(RandomFill(absl::Span<uint8_t>()).ok());
}

TEST(RandomSecretTest, SizesHonored) {
  for (size_t n : {0u, 1u, 16u, 32u, 1000u}) {
    absl::StatusOr<SecretBytes> secret = RandomSecret(n);
    ASSERT_TRUE(secret.ok());
    EXPECT_EQ(secret->size(), n);
  }
}

TEST(RandomBytesTest, SizesHonoredAndDrawsDiffer) {
  for (size_t n : {0u, 1u, 12u, 1000u}) {
    absl::StatusOr<std::string> bytes = RandomBytes(n);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(bytes->size(), n);
  }
  absl::StatusOr<std::string> a = RandomBytes(32);
  absl::StatusOr<std::string> b = RandomBytes(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace sts::crypto
