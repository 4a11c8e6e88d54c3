#include "client/crypto/pem_check.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

// Two self-signed EC certificates and their keys, made at test time by the
// openssl command line.
class PemCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* name : {"a", "b"}) {
      const std::string base = ::testing::TempDir() + "/pem_check_" + name;
      const std::string command = absl::StrCat(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=",
          name, " -keyout ", base, ".key -out ", base, ".pem 2>/dev/null");
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
  }
  static std::string Read(const std::string& name) {
    std::ifstream in(::testing::TempDir() + "/pem_check_" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST_F(PemCheckTest, AcceptsCertificatesAndBundles) {
  EXPECT_TRUE(CheckCertificates(Read("a.pem")).ok());
  EXPECT_TRUE(CheckCertificates(Read("a.pem") + Read("b.pem")).ok());
  EXPECT_TRUE(CheckCertificates("comment before\n" + Read("a.pem") + "after\n").ok());
}

TEST_F(PemCheckTest, RefusesWhatATlsStackCouldNotLoad) {
  for (const std::string& bad :
       {std::string(""), std::string("not a certificate\n"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        Read("a.pem") + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        Read("a.pem").substr(0, Read("a.pem").size() / 2)}) {
    const absl::Status s = CheckCertificates(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(PemCheckTest, AKeyMustBeTheLeafCertificates) {
  EXPECT_TRUE(CheckKeyPair(Read("a.pem"), AsBytes(Read("a.key"))).ok());
  EXPECT_TRUE(CheckKeyPair(Read("a.pem") + Read("b.pem"), AsBytes(Read("a.key"))).ok());
  const absl::Status mismatch = CheckKeyPair(Read("a.pem"), AsBytes(Read("b.key")));
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("not the key of"), std::string::npos) << mismatch;
  // The key's bytes never appear in an error.
  const std::string key = Read("a.key");
  const absl::Status garbage = CheckKeyPair(Read("a.pem"), AsBytes(key.substr(0, 60)));
  EXPECT_EQ(garbage.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(garbage.message().find(key.substr(28, 20)), std::string::npos);
  EXPECT_FALSE(CheckKeyPair("not a certificate", AsBytes(key)).ok());
}

TEST_F(PemCheckTest, AnEncryptedKeyIsRefusedWithoutAPrompt) {
  const std::string base = ::testing::TempDir() + "/pem_check_a";
  const std::string command = absl::StrCat("openssl pkey -in ", base, ".key -aes256 -passout pass:x -out ",
                                           base, "_encrypted.key 2>/dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string encrypted = Read("a_encrypted.key");
  ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
  const absl::Status s = CheckKeyPair(Read("a.pem"), AsBytes(encrypted));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

}  // namespace
}  // namespace sts::crypto
