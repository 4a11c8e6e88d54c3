#include "sts/cookie/master_keyset.h"

#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"

namespace sts::cookie {
namespace {

std::string Path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(MasterKeysetTest, AddRandomKeyWritesAnOwnerOnlyFileThatLoads) {
  MasterKeysetFile proto;
  ASSERT_EQ(*AddRandomKey(&proto), 1u);
  ASSERT_EQ(*AddRandomKey(&proto), 2u);
  EXPECT_EQ(proto.primary_key_id(), 1u);  // adding never changes the primary
  const std::string path = Path("keyset.textproto");
  ASSERT_TRUE(WriteKeysetFile(path, proto).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  absl::StatusOr<std::shared_ptr<const MasterKeyset>> keyset = MasterKeyset::Load(path);
  ASSERT_TRUE(keyset.ok()) << keyset.status();
  EXPECT_EQ((*keyset)->primary_id(), 1u);
  EXPECT_EQ((*keyset)->size(), 2u);
  EXPECT_NE((*keyset)->Find(2), nullptr);
  EXPECT_EQ((*keyset)->Find(3), nullptr);
}

TEST(MasterKeysetTest, ThePrimaryKeysCreationTimeIsKeptAndOlderKeysetsHaveNone) {
  MasterKeysetFile proto;
  const absl::Time made = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_TRUE(AddRandomKey(&proto, made).ok());
  ASSERT_TRUE(AddRandomKey(&proto, made + absl::Hours(1)).ok());
  absl::StatusOr<std::shared_ptr<const MasterKeyset>> keyset = MasterKeyset::FromProto(proto);
  ASSERT_TRUE(keyset.ok());
  EXPECT_EQ((*keyset)->primary_created(), made);
  proto.set_primary_key_id(2);
  EXPECT_EQ((*MasterKeyset::FromProto(proto))->primary_created(), made + absl::Hours(1));
  proto.mutable_key(1)->clear_created_unix_seconds();  // written before the field existed
  EXPECT_EQ((*MasterKeyset::FromProto(proto))->primary_created(), std::nullopt);
}

TEST(MasterKeysetTest, RefusesAFileOthersCanRead) {
  MasterKeysetFile proto;
  ASSERT_TRUE(AddRandomKey(&proto).ok());
  const std::string path = Path("open.textproto");
  ASSERT_TRUE(WriteKeysetFile(path, proto).ok());
  chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKeyset::Load(path).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(MasterKeysetTest, RefusesMalformedKeysetsWithoutShowingSecrets) {
  const std::string secret(64, 'a');
  for (const std::string& text : std::vector<std::string>{
           std::string(""),
           "primary_key_id: 2 key { id: 1 secret_hex: \"" + secret + "\" }",
           std::string("primary_key_id: 1 key { id: 1 secret_hex: \"abcd\" }"),
           "primary_key_id: 1 key { id: 1 secret_hex: \"" + std::string(64, 'z') + "\" }",
           "primary_key_id: 1 key { id: 1 secret_hex: \"" + secret + "\" } key { id: 1 secret_hex: \"" + secret + "\" }",
           "primary_key_id: 0 key { id: 0 secret_hex: \"" + secret + "\" }",
       }) {
    const std::string path = Path("bad.textproto");
    { std::ofstream(path) << text; }
    chmod(path.c_str(), 0600);
    absl::StatusOr<std::shared_ptr<const MasterKeyset>> keyset = MasterKeyset::Load(path);
    EXPECT_FALSE(keyset.ok()) << text;
    EXPECT_EQ(keyset.status().message().find(secret), std::string::npos);
  }
}

std::string* logged = nullptr;
void KeepLog(google::protobuf::LogLevel, const char*, int, const std::string& message) {
  logged->append(message);
}

// Found by tests/fuzz:keyset_fuzzer: the text parser quoted the token it
// stumbled on, unquoted key hex included, to stderr.
TEST(MasterKeysetTest, AFileThatDoesNotParseIsRefusedWithoutLoggingItsText) {
  const std::string secret = "ab" + std::string(62, '7');
  const std::string path = Path("unquoted.textproto");
  { std::ofstream(path) << "primary_key_id: 1\nkey {\n  id: 1\n  secret_hex: " << secret << "\n}\n"; }
  chmod(path.c_str(), 0600);
  std::string log;
  logged = &log;
  google::protobuf::LogHandler* previous = google::protobuf::SetLogHandler(&KeepLog);
  absl::StatusOr<std::shared_ptr<const MasterKeyset>> keyset = MasterKeyset::Load(path);
  google::protobuf::SetLogHandler(previous);
  ASSERT_FALSE(keyset.ok());
  EXPECT_EQ(keyset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(keyset.status().message().find("line 4, column 15"), std::string::npos)
      << keyset.status();
  EXPECT_EQ(keyset.status().message().find(secret.substr(0, 16)), std::string::npos);
  EXPECT_TRUE(log.empty()) << "protobuf logged " << log.size() << " bytes";
}

}  // namespace
}  // namespace sts::cookie
