// The Redis client against the Redis this project ships, locked down
// (docker/redis/redis.conf with its ACL file), with and without TLS: AUTH is
// required and checked, the ACL user reaches only the STS's keys, Redis's
// certificate is verified (chain and name), a client certificate is
// presented, and no refusal tells the caller where Redis is.
#include <fstream>

#include "client/crypto/secret_bytes.h"
#include "client/crypto/tls_session.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "sts/redis/redis_client.h"
#include "tests/harness/redis_process.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using redis::RedisClient;
using redis::RedisReply;

std::shared_ptr<const crypto::SecretBytes> Password(const std::string& text) {
  return std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::FromString(text));
}

std::string PasswordIn(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

class RedisSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() { delete pki_; }

  RedisClient::Options OptionsFor(const ShippedRedis& redis) {
    RedisClient::Options options = *RedisClient::ParseAddress(redis.process->address());
    options.timeout = absl::Seconds(2);
    options.username = redis.username;
    options.password = Password(PasswordIn(redis.password_file));
    return options;
  }

  std::shared_ptr<const crypto::TlsClientContext> Tls(const std::string& ca,
                                                      const std::string& client = "client") {
    crypto::TlsClientFiles files;
    files.ca_file = pki_->Pem(ca);
    if (!client.empty()) {
      files.cert_file = pki_->Pem(client);
      files.key_file = pki_->Key(client);
    }
    absl::StatusOr<std::shared_ptr<const crypto::TlsClientContext>> tls =
        crypto::TlsClientContext::Create(files);
    EXPECT_TRUE(tls.ok()) << tls.status();
    return tls.ok() ? *tls : nullptr;
  }

  // A refusal as callers see it: wst:RequestFailed, saying nothing of where
  // Redis is.
  static void ExpectRefused(const absl::StatusOr<RedisReply>& reply, absl::StatusCode code,
                            const ShippedRedis& redis) {
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.status().code(), code) << reply.status();
    EXPECT_EQ(wire::FaultNameOf(reply.status()), "wst:RequestFailed");
    EXPECT_EQ(reply.status().message().find(std::to_string(redis.process->port())),
              std::string::npos)
        << reply.status();
    EXPECT_EQ(reply.status().message().find("127.0.0.1"), std::string::npos) << reply.status();
  }

  static TestPki* pki_;
};
TestPki* RedisSecurityTest::pki_ = nullptr;

TEST_F(RedisSecurityTest, AuthIsRequiredAndTheAclUserReachesOnlyTheStsKeys) {
  absl::StatusOr<ShippedRedis> redis = StartShippedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClient::Options options = OptionsFor(*redis);

  RedisClient right(options);
  absl::StatusOr<RedisReply> set = right.Run({"SET", "sts:probe", "1"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->text, "OK");
  // The ACL user may touch only keys under the prefix, and no admin command.
  ExpectRefused(right.Run({"SET", "other:probe", "1"}), absl::StatusCode::kInternal, *redis);
  ExpectRefused(right.Run({"FLUSHALL"}), absl::StatusCode::kInternal, *redis);
  ExpectRefused(right.Run({"CONFIG", "GET", "*"}), absl::StatusCode::kInternal, *redis);

  RedisClient::Options wrong = options;
  wrong.password = Password("not-the-password");
  ExpectRefused(RedisClient(wrong).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
  RedisClient::Options none = options;
  none.password = nullptr;
  none.username.clear();
  ExpectRefused(RedisClient(none).Run({"HGETALL", "sts:probe"}), absl::StatusCode::kInternal, *redis);
  RedisClient::Options default_user = options;
  default_user.username.clear();  // "default" is off, whatever the password
  ExpectRefused(RedisClient(default_user).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
}

TEST_F(RedisSecurityTest, TlsVerifiesRedisAndPresentsAClientCertificate) {
  absl::StatusOr<ShippedRedis> redis = StartShippedRedis(pki_);
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClient::Options options = OptionsFor(*redis);
  options.tls = Tls("ca");

  RedisClient verified(options);
  absl::StatusOr<RedisReply> pong = verified.Run({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status();
  EXPECT_EQ(pong->text, "PONG");
  // Pooled connections carry later calls, big ones included.
  const std::string big(100 * 1024, 'x');
  ASSERT_TRUE(verified.Run({"HSET", "sts:big", "field", big}).ok());
  absl::StatusOr<RedisReply> got = verified.Run({"HGET", "sts:big", "field"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->text, big);

  RedisClient::Options by_name = options;
  by_name.host = "localhost";  // the certificate's DNS SAN
  EXPECT_TRUE(RedisClient(by_name).Run({"PING"}).ok());

  RedisClient::Options untrusted = options;
  untrusted.tls = Tls("rogue", "");
  ExpectRefused(RedisClient(untrusted).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
  RedisClient::Options misnamed = options;
  misnamed.tls_server_name = "redis.example.org";  // not in the certificate
  ExpectRefused(RedisClient(misnamed).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
  RedisClient::Options anonymous = options;
  anonymous.tls = Tls("ca", "");  // Redis requires a client certificate
  ExpectRefused(RedisClient(anonymous).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
  RedisClient::Options plaintext = options;
  plaintext.tls = nullptr;
  ExpectRefused(RedisClient(plaintext).Run({"PING"}), absl::StatusCode::kUnavailable, *redis);
}

TEST_F(RedisSecurityTest, BadTlsFilesAreRefusedWithTheirNames) {
  crypto::TlsClientFiles files;
  EXPECT_EQ(crypto::TlsClientContext::Create(files).status().code(),
            absl::StatusCode::kInvalidArgument);
  files.ca_file = "/nonexistent/ca.pem";
  absl::Status missing = crypto::TlsClientContext::Create(files).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("/nonexistent/ca.pem"), std::string::npos) << missing;
  files.ca_file = pki_->Pem("ca");
  files.cert_file = pki_->Pem("client");
  files.key_file = pki_->Key("audience");  // not this certificate's key
  absl::Status mismatched = crypto::TlsClientContext::Create(files).status();
  EXPECT_EQ(mismatched.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.message().find(pki_->Key("audience")), std::string::npos) << mismatched;
  files.key_file.clear();
  EXPECT_EQ(crypto::TlsClientContext::Create(files).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisSecurityTest, ARedisRestartCostsTheCallerNothing) {
  absl::StatusOr<ShippedRedis> redis = StartShippedRedis(pki_);
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisClient::Options options = OptionsFor(*redis);
  options.tls = Tls("ca");
  RedisClient client(options);
  ASSERT_TRUE(client.Run({"HSET", "sts:kept", "cancelled", "1"}).ok());  // pools a connection
  ASSERT_TRUE(redis->process->Restart().ok());
  // The pooled connection is dead; the call replaces it, and the append-only
  // file kept the key.
  absl::StatusOr<RedisReply> kept = client.Run({"HGET", "sts:kept", "cancelled"});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->text, "1");
}

}  // namespace
}  // namespace sts::testing
