#include "client/crypto/constant_time.h"

#include <array>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

TEST(ConstantTimeEqualsTest, EqualContents) {
  const std::vector<uint8_t> a = {1, 2, 3, 4, 5};
  const std::vector<uint8_t> b = {1, 2, 3, 4, 5};
  EXPECT_TRUE(ConstantTimeEquals(a, b));
}

TEST(ConstantTimeEqualsTest, EveryDifferingPositionIsUnequal) {
  const std::vector<uint8_t> a(64, 0x5a);
  for (size_t i = 0; i < a.size(); ++i) {
    std::vector<uint8_t> b = a;
    b[i] ^= 0x01;
    EXPECT_FALSE(ConstantTimeEquals(a, b)) << "position " << i;
  }
}

TEST(ConstantTimeEqualsTest, DifferentLengthsAreUnequal) {
  const std::vector<uint8_t> a = {1, 2, 3, 4};
  const std::vector<uint8_t> prefix = {1, 2, 3};
  EXPECT_FALSE(ConstantTimeEquals(a, prefix));
  EXPECT_FALSE(ConstantTimeEquals(prefix, a));
  EXPECT_FALSE(ConstantTimeEquals(a, {}));
}

TEST(ConstantTimeEqualsTest, EmptySpansAreEqual) {
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
}

TEST(SecureZeroTest, ZeroesTheWholeRange) {
  std::array<uint8_t, 37> buffer;
  buffer.fill(0xa5);
  SecureZero(buffer.data() + 1, buffer.size() - 2);
  EXPECT_EQ(buffer.front(), 0xa5);
  EXPECT_EQ(buffer.back(), 0xa5);
  for (size_t i = 1; i + 1 < buffer.size(); ++i) EXPECT_EQ(buffer[i], 0) << i;
}

TEST(SecureZeroTest, NullAndEmptyAreNoOps) {
  SecureZero(nullptr, 0);
  uint8_t byte = 7;
  SecureZero(&byte, 0);
  EXPECT_EQ(byte, 7);
}

}  // namespace
}  // namespace sts::crypto
