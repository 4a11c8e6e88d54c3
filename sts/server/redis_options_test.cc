#include "sts/server/redis_options.h"

#include <sys/stat.h>

#include <fstream>

#include "gtest/gtest.h"

namespace sts::server {
namespace {

std::string WriteFile(const std::string& name, const std::string& text, mode_t mode) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

config::RedisConfig WithPassword(const std::string& path) {
  config::RedisConfig c;
  c.set_address("redis.internal:6379");
  c.set_password_file(path);
  c.set_username("sts");
  return c;
}

TEST(RedisOptionsTest, ReadsTheAddressThePasswordAndTheUser) {
  absl::StatusOr<redis::RedisClient::Options> o =
      RedisOptionsFromConfig(WithPassword(WriteFile("good", "s3cret\n", 0600)), absl::Seconds(1));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "redis.internal");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->timeout, absl::Seconds(1));
  EXPECT_EQ(o->username, "sts");
  ASSERT_NE(o->password, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(o->password->data()), o->password->size()),
            "s3cret");  // the trailing newline is not part of it
  EXPECT_EQ(o->tls, nullptr);

  config::RedisConfig v6;
  v6.set_address("[::1]:6380");
  o = RedisOptionsFromConfig(v6, absl::Seconds(1));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->password, nullptr);
}

TEST(RedisOptionsTest, RefusesABadPasswordFileNamingIt) {
  auto refused = [](const std::string& path, absl::string_view why) {
    absl::StatusOr<redis::RedisClient::Options> o =
        RedisOptionsFromConfig(WithPassword(path), absl::Seconds(1));
    ASSERT_FALSE(o.ok());
    EXPECT_NE(o.status().message().find("redis.password_file"), std::string::npos) << o.status();
    EXPECT_NE(o.status().message().find(why), std::string::npos) << o.status();
    EXPECT_EQ(o.status().message().find("s3cret"), std::string::npos) << o.status();
  };
  refused(WriteFile("shared", "s3cret\n", 0644), "chmod 600");
  refused(WriteFile("group", "s3cret\n", 0640), "chmod 600");
  refused(WriteFile("empty", "\n", 0600), "empty");
  refused(WriteFile("two", "s3cret\nmore\n", 0600), "more than one line");
  refused(WriteFile("long", std::string(5000, 'p'), 0600), "longer than");
  refused(::testing::TempDir() + "/missing", "cannot read");
  refused(::testing::TempDir(), "not a regular file");
}

TEST(RedisOptionsTest, RefusesBadAddressesAndTlsFiles) {
  for (const char* address : {"redis", "redis:", ":6379", "redis:0", "redis:70000", "redis:x"}) {
    config::RedisConfig c;
    c.set_address(address);
    EXPECT_EQ(RedisOptionsFromConfig(c, absl::Seconds(1)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << address;
  }
  config::RedisConfig c;
  c.set_address("redis:6379");
  c.mutable_tls()->set_ca_file("/nonexistent/ca.pem");
  const absl::Status s = RedisOptionsFromConfig(c, absl::Seconds(1)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("redis.tls"), std::string::npos) << s;
  EXPECT_NE(s.message().find("/nonexistent/ca.pem"), std::string::npos) << s;
}

}  // namespace
}  // namespace sts::server
