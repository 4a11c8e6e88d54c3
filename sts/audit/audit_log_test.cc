#include "sts/audit/audit_log.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::audit {
namespace {

AuditEvent Event(const absl::Status* status) {
  AuditEvent e;
  e.time = absl::FromUnixMicros(1'800'000'000'123'456);
  e.operation = "Issue";
  e.principal = "spiffe://example.org/web";
  e.peer = "ipv4:127.0.0.1:5555";
  e.identifier = "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8";
  e.instance = "1";
  e.applies_to = "spiffe://example.org/api";
  e.status = status;
  e.latency = absl::Microseconds(42);
  return e;
}

TEST(AuditLogTest, FormatsASuccessAsOneJsonLine) {
  const absl::Status ok = absl::OkStatus();
  EXPECT_EQ(FormatAuditLine(Event(&ok)),
            R"({"time":"2027-01-15T08:00:00.123456Z","op":"Issue",)"
            R"("principal":"spiffe://example.org/web","peer":"ipv4:127.0.0.1:5555",)"
            R"("identifier":"urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8","instance":"1",)"
            R"("applies_to":"spiffe://example.org/api","outcome":"ok","code":"OK",)"
            R"("fault":"","reason":"","latency_us":42})");
}

// The calendar part is cached per second: each line still shows its own.
TEST(AuditLogTest, EachLineShowsItsOwnTime) {
  const absl::Status ok = absl::OkStatus();
  AuditEvent e = Event(&ok);
  const auto time_of = [&](absl::Time t) {
    e.time = t;
    const std::string line = FormatAuditLine(e);
    return line.substr(9, 27);
  };
  EXPECT_EQ(time_of(absl::FromUnixMicros(1'800'000'000'123'456)), "2027-01-15T08:00:00.123456Z");
  EXPECT_EQ(time_of(absl::FromUnixMicros(1'800'000'000'999'999)), "2027-01-15T08:00:00.999999Z");
  EXPECT_EQ(time_of(absl::FromUnixMicros(1'800'000'001'000'000)), "2027-01-15T08:00:01.000000Z");
  EXPECT_EQ(time_of(absl::FromUnixMicros(1'800'000'000'000'007)), "2027-01-15T08:00:00.000007Z");
  EXPECT_EQ(time_of(absl::FromUnixMicros(-1)), "1969-12-31T23:59:59.999999Z");
}

TEST(AuditLogTest, NamesTheFaultOfARefusal) {
  const absl::Status refused = wire::Refuse(wire::Refusal::kQuotaExceeded, "too many");
  const std::string line = FormatAuditLine(Event(&refused));
  EXPECT_NE(line.find(R"("outcome":"refused","code":"RESOURCE_EXHAUSTED","fault":"wst:RequestFailed","reason":"too many")"),
            std::string::npos)
      << line;
}

TEST(AuditLogTest, EscapesClientChosenText) {
  const absl::Status ok = absl::OkStatus();
  AuditEvent e = Event(&ok);
  e.applies_to = "a\"b\\c\nd\x01\x7f";
  const std::string line = FormatAuditLine(e);
  EXPECT_NE(line.find(R"("applies_to":"a\"b\\c\nd??")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AuditLogTest, KeepsValidUtf8AndMarksEverythingElse) {
  const absl::Status ok = absl::OkStatus();
  AuditEvent e = Event(&ok);
  e.principal = "cn:Zo\xc3\xab";       // valid: U+00EB
  e.applies_to = "x\xc3\x28\xff\xed\xa0\x80y";  // bad pairs, 0xFF, a surrogate
  const std::string line = FormatAuditLine(e);
  EXPECT_NE(line.find("\"principal\":\"cn:Zo\xc3\xab\""), std::string::npos) << line;
  EXPECT_NE(line.find(R"("applies_to":"x?(????y")"), std::string::npos) << line;
}

// Security review, medium 7: a hostile request cannot inflate its line.
TEST(AuditLogTest, AHostileRequestYieldsABoundedLine) {
  const std::string hostile(64 * 1024, '\x01');
  const std::string quotes(64 * 1024, '"');
  const absl::Status refused =
      wire::Refuse(wire::Refusal::kMalformedRequest, std::string(4096, 'r'));
  AuditEvent e = Event(&refused);
  e.identifier = hostile;
  e.instance = quotes;
  e.applies_to = hostile;
  const std::string line = FormatAuditLine(e);
  EXPECT_LT(line.size(), 3000u) << line.size();
  EXPECT_NE(line.find("...(+65280 bytes)"), std::string::npos);
  EXPECT_NE(line.find("...(+3584 bytes)"), std::string::npos);
}

TEST(AuditLogTest, AppendsLinesToAnOwnerOnlyFile) {
  const std::string path = ::testing::TempDir() + "/audit_test.log";
  std::remove(path.c_str());
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok());
    const absl::Status ok = absl::OkStatus();
    for (int i = 0; i < 100; ++i) (*log)->Record(Event(&ok));
  }  // destruction flushes
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.front(), '{');
    EXPECT_EQ(line.back(), '}');
  }
  EXPECT_EQ(lines, 100);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(AuditLogTest, RefusesAnUnwritablePath) {
  EXPECT_FALSE(AuditLog::Open("/nonexistent-dir/audit.log").ok());
}

}  // namespace
}  // namespace sts::audit
