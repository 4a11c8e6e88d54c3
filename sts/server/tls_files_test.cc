#include "sts/server/tls_files.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sts::server {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Replace(const std::string& path, const std::string& content) {
  std::ofstream(path + ".new", std::ios::trunc) << content;
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

// Two self-signed EC certificates and keys ("a", "b"), made by the openssl
// command line; the live files start as a's.
class TlsFileStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/tls_files_test";
    ASSERT_EQ(std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str()), 0);
    for (const char* name : {"a", "b"}) {
      const std::string command = absl::StrCat(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=",
          name, " -keyout ", dir_, "/", name, ".key -out ", dir_, "/", name, ".pem 2>/dev/null");
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
    Replace(dir_ + "/ca.pem", Read(dir_ + "/a.pem"));
    Replace(dir_ + "/cert.pem", Read(dir_ + "/a.pem"));
    Replace(dir_ + "/cert.key", Read(dir_ + "/a.key"));
    tls_.set_client_ca_file(dir_ + "/ca.pem");
    tls_.set_cert_file(dir_ + "/cert.pem");
    tls_.set_key_file(dir_ + "/cert.key");
  }
  // Whether the staged copies hold `name`'s certificate and key.
  static bool Serves(const TlsFileStage& stage, const std::string& name, const std::string& dir) {
    const sts::config::TlsConfig staged = stage.staged();
    return Read(staged.cert_file()) == Read(dir + "/" + name + ".pem") &&
           Read(staged.key_file()) == Read(dir + "/" + name + ".key");
  }

  std::string dir_;
  sts::config::TlsConfig tls_;
};

TEST_F(TlsFileStageTest, StagesPrivateCopiesAndRemovesThem) {
  std::string staged_dir;
  {
    absl::StatusOr<std::unique_ptr<TlsFileStage>> stage = TlsFileStage::Create(tls_);
    ASSERT_TRUE(stage.ok()) << stage.status();
    EXPECT_TRUE(Serves(**stage, "a", dir_));
    EXPECT_EQ(Read((*stage)->staged().client_ca_file()), Read(dir_ + "/a.pem"));
    const std::string key = (*stage)->staged().key_file();
    staged_dir = key.substr(0, key.find("/current/"));
    struct stat st;
    ASSERT_EQ(::stat(staged_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE((*stage)->Refresh()) << "nothing changed";
  }
  struct stat st;
  EXPECT_NE(::stat(staged_dir.c_str(), &st), 0) << "the copies outlived the stage";
}

TEST_F(TlsFileStageTest, ARotationIsStagedOnlyOnceTheSetChecks) {
  absl::StatusOr<std::unique_ptr<TlsFileStage>> stage = TlsFileStage::Create(tls_);
  ASSERT_TRUE(stage.ok()) << stage.status();
  ::testing::internal::CaptureStderr();
  // The key first: it does not match the certificate yet.
  Replace(dir_ + "/cert.key", Read(dir_ + "/b.key"));
  EXPECT_FALSE((*stage)->Refresh());
  EXPECT_TRUE(Serves(**stage, "a", dir_));
  // Then its certificate: the pair is staged together.
  Replace(dir_ + "/cert.pem", Read(dir_ + "/b.pem"));
  EXPECT_TRUE((*stage)->Refresh());
  EXPECT_TRUE(Serves(**stage, "b", dir_));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("TLS files not reloaded: server certificate"), std::string::npos) << err;
  EXPECT_NE(err.find("not the key of the chain's first certificate"), std::string::npos) << err;
  EXPECT_NE(err.find("TLS files reloaded"), std::string::npos) << err;
  // Several rotations: every one is staged, the copies stay readable.
  for (const char* name : {"a", "b", "a"}) {
    Replace(dir_ + "/cert.key", Read(dir_ + "/" + std::string(name) + ".key"));
    Replace(dir_ + "/cert.pem", Read(dir_ + "/" + std::string(name) + ".pem"));
    EXPECT_TRUE((*stage)->Refresh());
    EXPECT_TRUE(Serves(**stage, name, dir_));
  }
}

TEST_F(TlsFileStageTest, BadOrMissingFilesLeaveTheLastGoodSet) {
  absl::StatusOr<std::unique_ptr<TlsFileStage>> stage = TlsFileStage::Create(tls_);
  ASSERT_TRUE(stage.ok()) << stage.status();
  ::testing::internal::CaptureStderr();
  Replace(dir_ + "/cert.pem", "not a certificate\n");
  EXPECT_FALSE((*stage)->Refresh());
  Replace(dir_ + "/ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_FALSE((*stage)->Refresh());
  ASSERT_EQ(std::remove((dir_ + "/cert.key").c_str()), 0);
  EXPECT_FALSE((*stage)->Refresh());
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(Serves(**stage, "a", dir_));
  EXPECT_EQ(Read((*stage)->staged().client_ca_file()), Read(dir_ + "/a.pem"));
  EXPECT_NE(err.find("client CA file"), std::string::npos) << err;
  // Said once per change, not at every look.
  EXPECT_FALSE((*stage)->Refresh());
  EXPECT_EQ(err.find("-----BEGIN"), std::string::npos) << "no file content in the log";
}

TEST_F(TlsFileStageTest, StartIsRefusedWithFilesThatDoNotCheck) {
  Replace(dir_ + "/cert.key", Read(dir_ + "/b.key"));
  absl::StatusOr<std::unique_ptr<TlsFileStage>> stage = TlsFileStage::Create(tls_);
  ASSERT_FALSE(stage.ok());
  EXPECT_EQ(stage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stage.status().message().find(dir_ + "/cert.key"), std::string::npos) << stage.status();
  tls_.set_client_ca_file(dir_ + "/missing.pem");
  EXPECT_EQ(TlsFileStage::Create(tls_).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sts::server
