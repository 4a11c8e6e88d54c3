#include "sts/audit/audit_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/time/clock.h"
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

// A full disk (/dev/full: every write fails with ENOSPC) loses the lines
// and counts them; recording goes on without blocking or growing.
TEST(AuditLogTest, AFullDiskLosesCountedLinesAndRecordingGoesOn) {
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open("/dev/full");
  ASSERT_TRUE(log.ok()) << log.status();
  const absl::Status ok = absl::OkStatus();
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 30; ++i) (*log)->Record(Event(&ok));
  (*log)->Flush();
  for (int i = 0; i < 12; ++i) (*log)->Record(Event(&ok));
  (*log)->Flush();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ((*log)->lost_lines(), 42u);
  EXPECT_NE(err.find("audit log: write failed (No space left on device)"), std::string::npos)
      << err;
  // Said once, not once per failed write.
  EXPECT_EQ(err.find("write failed", err.find("write failed") + 1), std::string::npos) << err;
}

// A write cut short (here by RLIMIT_FSIZE, as a filling disk would) leaves
// a partial line; the next write ends it first, so later lines stay whole.
TEST(AuditLogTest, ALineCutShortByAFailureIsEndedBeforeTheNextLine) {
  const std::string path = ::testing::TempDir() + "/audit_torn_test.log";
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
  ASSERT_TRUE(log.ok());
  const absl::Status ok = absl::OkStatus();
  const size_t line_bytes = FormatAuditLine(Event(&ok)).size() + 1;
  std::signal(SIGXFSZ, SIG_IGN);  // past the limit write() fails with EFBIG instead
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit small = saved;
  small.rlim_cur = 2 * line_bytes + line_bytes / 2;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 10; ++i) (*log)->Record(Event(&ok));
  (*log)->Flush();
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  EXPECT_EQ((*log)->lost_lines(), 8u);
  for (int i = 0; i < 2; ++i) (*log)->Record(Event(&ok));
  (*log)->Flush();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("audit log: writing again;"), std::string::npos) << err;
  EXPECT_NE(err.find(", 8 in all\n"), std::string::npos) << err;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);
  const std::string whole = FormatAuditLine(Event(&ok));
  EXPECT_EQ(lines[0], whole);
  EXPECT_EQ(lines[1], whole);
  EXPECT_EQ(lines[2], whole.substr(0, line_bytes / 2));  // the cut line, ended
  EXPECT_EQ(lines[3], whole);
  EXPECT_EQ(lines[4], whole);
}

TEST(AuditLogTest, NothingIsLostWhileTheFileTakesWrites) {
  const std::string path = ::testing::TempDir() + "/audit_lost_test.log";
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
  ASSERT_TRUE(log.ok());
  const absl::Status ok = absl::OkStatus();
  for (int i = 0; i < 10; ++i) (*log)->Record(Event(&ok));
  (*log)->Flush();
  EXPECT_EQ((*log)->lost_lines(), 0u);
}

// Of the file's first `bytes`, how many pages the page cache holds.
size_t ResidentPages(const std::string& path, size_t bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SIZE_MAX;
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return SIZE_MAX;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((bytes + page - 1) / page);
  size_t count = SIZE_MAX;
  if (::mincore(map, bytes, resident.data()) == 0) {
    count = 0;
    for (unsigned char r : resident) count += r & 1;
  }
  ::munmap(map, bytes);
  return count;
}

// Records lines until the page cache holds none of the file's first 8 MiB
// (the first chunk, dropped once more follow), or 30 s have passed; returns
// how many of those pages are still cached.
size_t RecordUntilTheFirstChunkLeavesTheCache(AuditLog& log, const std::string& path,
                                              size_t* recorded) {
  const absl::Status ok = absl::OkStatus();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  size_t resident = SIZE_MAX;
  while (resident != 0 && absl::Now() < deadline) {
    // Bursts the writer thread's 50 ms rounds take one by one, as a loaded
    // server's lines come.
    for (int i = 0; i < 20000; ++i) log.Record(Event(&ok));
    *recorded += 20000;
    absl::SleepFor(absl::Milliseconds(60));
    resident = ResidentPages(path, 8 << 20);
  }
  return resident;
}

// Every line of the file is `line`; returns how many there are.
size_t CountLines(const std::string& path, const std::string& line) {
  std::ifstream in(path);
  std::string got;
  size_t count = 0;
  while (std::getline(in, got)) {
    if (got + "\n" != line) return SIZE_MAX;
    ++count;
  }
  return count;
}

// A log of many MiB keeps only its newest part in the page cache: the rest
// is written back and dropped as the file grows, and every line is there.
// After a rotation by copy and truncate it goes on from the new end.
TEST(AuditLogTest, WrittenBackPagesLeaveThePageCacheAndNoLineIsLost) {
  const std::string path = ::testing::TempDir() + "/audit_pages_test.log";
  std::remove(path.c_str());
  struct statfs fs {};
  ASSERT_EQ(::statfs(::testing::TempDir().c_str(), &fs), 0);
  if (fs.f_type == 0x01021994) {  // TMPFS_MAGIC: there the cache is the file
    GTEST_SKIP() << "the test directory is on tmpfs, whose pages cannot be dropped";
  }
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
  ASSERT_TRUE(log.ok());
  const absl::Status ok = absl::OkStatus();
  const std::string line = FormatAuditLine(Event(&ok)) + "\n";

  size_t recorded = 0;
  EXPECT_EQ(RecordUntilTheFirstChunkLeavesTheCache(**log, path, &recorded), 0u)
      << "pages of the first 8 MiB still cached";
  (*log)->Flush();
  EXPECT_EQ(CountLines(path, line), recorded);

  ASSERT_EQ(::truncate(path.c_str(), 0), 0);  // logrotate's copytruncate
  recorded = 0;
  EXPECT_EQ(RecordUntilTheFirstChunkLeavesTheCache(**log, path, &recorded), 0u)
      << "pages of the first 8 MiB after the truncation still cached";
  log->reset();
  EXPECT_EQ(CountLines(path, line), recorded);
}

TEST(AuditLogTest, RefusesAnUnwritablePath) {
  EXPECT_FALSE(AuditLog::Open("/nonexistent-dir/audit.log").ok());
}

}  // namespace
}  // namespace sts::audit
