#include "client/files.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace sts {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(FilesTest, ReadsTheWholeFileBytesAsTheyAre) {
  const std::string path = TempPath("bytes");
  const std::string content("a\0b\r\nc", 6);
  std::ofstream(path, std::ios::binary) << content;
  absl::StatusOr<std::string> read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(FilesTest, AMissingFileIsNotFoundWithItsPath) {
  absl::StatusOr<std::string> read = ReadFile(TempPath("missing"));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("missing"), std::string::npos);
}

TEST(FilesTest, AFileOverTheBoundIsRefused) {
  const std::string path = TempPath("big");
  std::ofstream(path) << std::string(100, 'x');
  EXPECT_EQ(ReadFile(path, 99).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ReadFile(path, 100).ok());
}

TEST(FilesTest, ASecretFileIsReadIntoWipedStorage) {
  const std::string path = TempPath("secret");
  std::ofstream(path, std::ios::binary) << std::string("k\0ey", 4);
  absl::StatusOr<crypto::SecretBytes> secret = ReadSecretFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(secret->data()), secret->size()),
            std::string("k\0ey", 4));
  EXPECT_EQ(ReadSecretFile(path, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadSecretFile(TempPath("absent")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadSecretFile("/proc/self").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sts
