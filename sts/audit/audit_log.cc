#include "sts/audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/wire/fault.h"

namespace sts::audit {
namespace {

constexpr size_t kSelfWriteThreshold = 4 << 20;

// How much of the file is written back (and, a chunk later, dropped from
// the page cache) at a time.
constexpr uint64_t kWritebackChunk = 8 << 20;

// How many bytes of each field are logged: client-chosen text is logged as
// a bounded, readable form, so a request cannot make its audit line much
// bigger than the request (security review, medium 7).
constexpr size_t kMaxFieldBytes = 256;
constexpr size_t kMaxReasonBytes = 512;

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto continuation = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return continuation(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && byte(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (c == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && byte(1) > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

// Whether byte `c` can be copied into a JSON string as it is (printable
// ASCII other than the quote and the backslash).
inline bool PlainJsonByte(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

// A JSON string of at most `max` bytes of `s`: quotes, backslashes and the
// three common control characters escaped; any other control byte and any
// byte that is not valid UTF-8 logged as '?'; what is cut off counted.
// Runs of plain bytes (almost every field, almost always) are copied whole.
void AppendJsonString(absl::string_view s, std::string* out, size_t max = kMaxFieldBytes) {
  out->push_back('"');
  const absl::string_view kept = s.substr(0, max);
  for (size_t i = 0; i < kept.size();) {
    size_t run = i;
    while (run < kept.size() && PlainJsonByte(static_cast<unsigned char>(kept[run]))) ++run;
    if (run > i) {
      out->append(kept.data() + i, run - i);
      i = run;
      if (i == kept.size()) break;
    }
    const unsigned char c = static_cast<unsigned char>(kept[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(kept.substr(i));
      if (n == 0) {
        out->push_back('?');
        ++i;
      } else {
        out->append(kept.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: out->push_back('?');  // other control bytes and DEL
    }
    ++i;
  }
  if (s.size() > kept.size()) absl::StrAppend(out, "...(+", s.size() - kept.size(), " bytes)");
  out->push_back('"');
}

// `,"name":` then the value as a JSON string; `name` is one of ours, plain.
void Field(absl::string_view name, absl::string_view value, std::string* out,
           size_t max = kMaxFieldBytes) {
  out->append(",\"");
  out->append(name.data(), name.size());
  out->append("\":");
  AppendJsonString(value, out, max);
}

// RFC 3339 UTC with microseconds, e.g. 2026-11-24T19:37:00.123456Z. The
// calendar part is formatted once per second per thread: a serving thread
// logs many lines within one second.
void AppendTime(absl::Time t, std::string* out) {
  struct Cache {
    int64_t second = INT64_MIN;
    std::string text;  // "YYYY-MM-DDTHH:MM:SS"
  };
  thread_local Cache cache;
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t second = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {
    fraction += 1'000'000;
    --second;
  }
  if (second != cache.second) {
    cache.text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                  absl::UTCTimeZone());
    cache.second = second;
  }
  out->append(cache.text);
  char digits[8] = {'.', '0', '0', '0', '0', '0', '0', 'Z'};
  for (int i = 6; i >= 1; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  out->append(digits, sizeof(digits));
}

absl::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "OK";
    case absl::StatusCode::kCancelled: return "CANCELLED";
    case absl::StatusCode::kUnknown: return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound: return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted: return "ABORTED";
    case absl::StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal: return "INTERNAL";
    case absl::StatusCode::kUnavailable: return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss: return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

// How often a failing audit file is reported on stderr after the first time.
constexpr absl::Duration kLossReportInterval = absl::Minutes(1);

// Writes `data` from `*done` on; returns 0 once all is written, else the
// errno that stopped it (`*done` then says how far it got).
int WriteAll(int fd, absl::string_view data, size_t* done) {
  while (*done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + *done, data.size() - *done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENOSPC;
    *done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

void AppendAuditLine(const AuditEvent& e, std::string* line) {
  line->append("{\"time\":\"");
  AppendTime(e.time, line);
  line->push_back('"');
  Field("op", e.operation, line);
  Field("principal", e.principal, line);
  Field("peer", e.peer, line);
  Field("identifier", e.identifier, line);
  Field("instance", e.instance, line);
  Field("applies_to", e.applies_to, line);
  const bool ok = e.status == nullptr || e.status->ok();
  if (ok) {
    line->append(R"(,"outcome":"ok","code":"OK","fault":"","reason":"")");
  } else {
    Field("outcome", "refused", line);
    Field("code", CodeName(e.status->code()), line);
    std::string fault;
    std::string reason;
    if (std::optional<sts::v1::Fault> f = wire::FaultOf(*e.status); f.has_value()) {
      fault = f->name();
      reason = f->reason();
    } else {
      reason = std::string(e.status->message());
    }
    Field("fault", fault, line);
    Field("reason", reason, line, kMaxReasonBytes);
  }
  absl::StrAppend(line, ",\"latency_us\":", absl::ToInt64Microseconds(e.latency), "}");
}

std::string FormatAuditLine(const AuditEvent& e) {
  std::string line;
  AppendAuditLine(e, &line);
  return line;
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::unique_ptr<AuditLog>(new AuditLog(STDERR_FILENO, /*owns_fd=*/false));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open audit log ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd, /*owns_fd=*/true));
}

AuditLog::AuditLog(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    regular_file_ = true;
    // What the file held before is not this log's to release.
    writeback_from_ = released_to_ = static_cast<uint64_t>(st.st_size);
  }
  writer_ = std::thread([this] { WriterLoop(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  writer_.join();
  Flush();
  if (owns_fd_) ::close(fd_);
}

void AuditLog::Record(const AuditEvent& event) {
  // Threads take buffers round-robin, once: serving threads stay apart.
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed) % kBuffers;
  Buffer& buffer = buffers_[index];
  // Formatted outside the buffer's lock, into a per-thread scratch line
  // that keeps its capacity: a line costs no allocation.
  thread_local std::string line;
  line.clear();
  AppendAuditLine(event, &line);
  line.push_back('\n');
  bool self_write = false;
  {
    std::lock_guard<std::mutex> lock(buffer.mu);
    buffer.pending.append(line);
    self_write = buffer.pending.size() > kSelfWriteThreshold;
  }
  if (self_write) WriteOut(buffer);
}

void AuditLog::WriteOut(Buffer& buffer) {
  std::string data;
  {
    std::lock_guard<std::mutex> lock(buffer.mu);
    data.swap(buffer.pending);
  }
  if (data.empty()) return;
  std::lock_guard<std::mutex> lock(write_mu_);
  WriteLines(data);
}

void AuditLog::WriteLines(const std::string& data) {
  int error = 0;
  if (torn_line_) {
    size_t newline = 0;
    error = WriteAll(fd_, "\n", &newline);
    if (error == 0) torn_line_ = false;
  }
  size_t done = 0;
  if (error == 0) error = WriteAll(fd_, data, &done);
  if (error == 0) {
    if (failing_) {
      std::fprintf(stderr,
                   "sts_server: audit log: writing again; %llu lines lost since the last report, "
                   "%llu in all\n",
                   static_cast<unsigned long long>(lost_since_report_),
                   static_cast<unsigned long long>(lost_lines_));
      failing_ = false;
      lost_since_report_ = 0;
      next_report_ = absl::InfinitePast();
    }
    return;
  }
  failing_ = true;
  // Lines wholly or partly unwritten are lost; a partly written one is ended
  // by the next successful write.
  const absl::string_view unwritten = absl::string_view(data).substr(done);
  const uint64_t lost = static_cast<uint64_t>(std::count(unwritten.begin(), unwritten.end(), '\n'));
  if (done > 0 && data[done - 1] != '\n') torn_line_ = true;
  lost_lines_ += lost;
  lost_since_report_ += lost;
  const absl::Time now = absl::Now();
  if (now < next_report_) return;
  next_report_ = now + kLossReportInterval;
  std::fprintf(stderr,
               "sts_server: audit log: write failed (%s): %llu lines lost since the last report, "
               "%llu in all; serving goes on\n",
               std::strerror(error), static_cast<unsigned long long>(lost_since_report_),
               static_cast<unsigned long long>(lost_lines_));
  lost_since_report_ = 0;
}

uint64_t AuditLog::lost_lines() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return lost_lines_;
}

void AuditLog::Flush() {
  for (Buffer& buffer : buffers_) WriteOut(buffer);
}

void AuditLog::WriterLoop() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_; });
    lock.unlock();
    Flush();
    ReleaseWrittenPages();
    lock.lock();
  }
}

void AuditLog::ReleaseWrittenPages() {
  if (!regular_file_) return;
  // The file's size, not a count of what this log wrote: a log rotated by
  // copy and truncate shrank under it, and all it holds since (from offset
  // 0) was written after the truncation.
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return;
  const auto end = static_cast<uint64_t>(st.st_size);
  if (end < writeback_from_) writeback_from_ = released_to_ = 0;
  if (end < writeback_from_ + kWritebackChunk) return;
  // The newest chunk's write-back starts now, without waiting. The chunk
  // before it started a chunk ago, so waiting for it rarely waits; its
  // pages are then clean, and clean pages are what the advice drops. While
  // this thread waits, serving threads only fill their buffers (Record).
  ::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                    static_cast<off_t>(end - writeback_from_), SYNC_FILE_RANGE_WRITE);
  if (writeback_from_ > released_to_) {
    const auto from = static_cast<off_t>(released_to_);
    const auto length = static_cast<off_t>(writeback_from_ - released_to_);
    ::sync_file_range(fd_, from, length,
                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                          SYNC_FILE_RANGE_WAIT_AFTER);
    ::posix_fadvise(fd_, from, length, POSIX_FADV_DONTNEED);
    released_to_ = writeback_from_;
  }
  writeback_from_ = end;
}

}  // namespace sts::audit
