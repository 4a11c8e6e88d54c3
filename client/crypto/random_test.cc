#include "client/crypto/random.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

TEST(RandomPublicFillTest, ManyDrawsAcrossRefillsAllDiffer) {
  // 2,000 x 16 bytes crosses several 4 KiB refills: every draw must be new.
  std::set<std::array<uint8_t, 16>> seen;
  for (int i = 0; i < 2000; ++i) {
    std::array<uint8_t, 16> nonce{};
    ASSERT_TRUE(RandomPublicFill(absl::MakeSpan(nonce)).ok());
    EXPECT_TRUE(seen.insert(nonce).second) << "draw " << i << " repeated";
  }
}

TEST(RandomPublicFillTest, LargeAndEmptyRequests) {
  std::vector<uint8_t> big(1000, 0);  // above the buffered size: direct draw
  ASSERT_TRUE(RandomPublicFill(absl::MakeSpan(big)).ok());
  EXPECT_NE(big, std::vector<uint8_t>(1000, 0));
  EXPECT_TRUE(RandomPublicFill({}).ok());
}

// Draws once in the parent (so the child inherits a partly used buffer),
// forks, and draws once in each: `fill` must give them different bytes, and
// the child's must not be all zeros (a wiped-on-fork buffer handed out).
template <size_t N>
void ExpectForkedChildDrawsItsOwnBytes(absl::Status (*fill)(absl::Span<uint8_t>)) {
  std::array<uint8_t, N> warm{};
  ASSERT_TRUE(fill(absl::MakeSpan(warm)).ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::array<uint8_t, N> mine{};
    const bool ok = fill(absl::MakeSpan(mine)).ok() && mine != std::array<uint8_t, N>{};
    const ssize_t n = ok ? write(fds[1], mine.data(), mine.size()) : -1;
    _exit(n == static_cast<ssize_t>(mine.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::array<uint8_t, N> parent{};
  ASSERT_TRUE(fill(absl::MakeSpan(parent)).ok());
  std::array<uint8_t, N> from_child{};
  ASSERT_EQ(read(fds[0], from_child.data(), from_child.size()),
            static_cast<ssize_t>(from_child.size()));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(parent, from_child);
}

TEST(RandomPublicFillTest, ForkedChildNeverRepeatsTheParentsBytes) {
  ExpectForkedChildDrawsItsOwnBytes<16>(&RandomPublicFill);
}

TEST(RandomSecretFillTest, ManyDrawsAcrossRefillsAllDiffer) {
  // 200 x 32 bytes crosses several 1 KiB refills: every key must be new.
  std::set<std::array<uint8_t, 32>> seen;
  for (int i = 0; i < 200; ++i) {
    std::array<uint8_t, 32> key{};
    ASSERT_TRUE(RandomSecretFill(absl::MakeSpan(key)).ok());
    EXPECT_NE(key, (std::array<uint8_t, 32>{})) << "draw " << i;
    EXPECT_TRUE(seen.insert(key).second) << "draw " << i << " repeated";
  }
}

TEST(RandomSecretFillTest, OddSizesLargeAndEmptyRequests) {
  // Sizes that do not divide the buffer leave a remainder before a refill.
  std::set<std::vector<uint8_t>> seen;
  for (size_t n : {1u, 17u, 63u, 64u, 33u, 64u, 64u, 64u, 64u, 64u, 64u, 64u, 64u, 64u, 64u,
                   64u, 64u, 64u, 64u, 64u, 64u}) {
    std::vector<uint8_t> out(n, 0);
    ASSERT_TRUE(RandomSecretFill(absl::MakeSpan(out)).ok());
    if (n >= 16) {
      EXPECT_TRUE(seen.insert(out).second);
    }
  }
  std::vector<uint8_t> big(1000, 0);  // above the buffered size: direct draw
  ASSERT_TRUE(RandomSecretFill(absl::MakeSpan(big)).ok());
  EXPECT_NE(big, std::vector<uint8_t>(1000, 0));
  EXPECT_TRUE(RandomSecretFill({}).ok());
  absl::StatusOr<SecretBytes> key = RandomSecret(32);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 32u);
}

TEST(RandomSecretFillTest, ForkedChildNeverRepeatsTheParentsPendingKeys) {
  ExpectForkedChildDrawsItsOwnBytes<32>(&RandomSecretFill);
}

TEST(RandomSecretFillTest, ThreadsDrawDistinctKeys) {
  std::vector<std::array<uint8_t, 32>> keys(8);
  std::vector<std::thread> threads;
  for (auto& key : keys) {
    threads.emplace_back([&key] { ASSERT_TRUE(RandomSecretFill(absl::MakeSpan(key)).ok()); });
  }
  for (std::thread& t : threads) t.join();
  const std::set<std::array<uint8_t, 32>> distinct(keys.begin(), keys.end());
  EXPECT_EQ(distinct.size(), keys.size());
}

}  // namespace
}  // namespace sts::crypto
