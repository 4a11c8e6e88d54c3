#ifndef STS_AUDIT_AUDIT_LOG_H_
#define STS_AUDIT_AUDIT_LOG_H_

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::audit {

// One decision of the STS. Views must stay valid for the Record() call only.
// By construction there is no field for keys, nonces or entropy: nothing
// secret can reach the log.
struct AuditEvent {
  absl::Time time;
  absl::string_view operation;   // "Issue", "Renew", ...
  absl::string_view principal;   // "" when authentication failed
  absl::string_view peer;        // transport address
  absl::string_view identifier;  // wsc:Identifier, when known
  absl::string_view instance;    // wsc:Instance, when known
  absl::string_view applies_to;
  const absl::Status* status = nullptr;  // OK or the refusal (code + fault)
  absl::Duration latency;
};

// Formats one event as a single JSON line (no trailing newline).
std::string FormatAuditLine(const AuditEvent& event);
// The same, appended to `*line`.
void AppendAuditLine(const AuditEvent& event, std::string* line);

// Appends one JSON line per decision to a file (or stderr), e.g.
//   {"time":"2026-11-24T19:37:00.123456Z","op":"Issue","principal":"...",
//    "peer":"ipv4:127.0.0.1:5555","identifier":"urn:uuid:...","instance":"1",
//    "applies_to":"...","outcome":"ok","code":"OK","fault":"","reason":"",
//    "latency_us":42}
// Record() formats into one of several buffers (chosen per thread, so the
// serving threads rarely share a lock) and returns; a writer thread flushes
// them every 50 ms and on Flush()/destruction. No line is dropped while the
// file takes writes: a producer that finds its buffer over 4 MiB (the disk
// stalled) writes it itself. A write the file refuses (disk full, I/O error)
// loses the lines it carried, so memory stays bounded and serving goes on:
// they are counted (lost_lines()) and said on stderr with the reason (the
// first time, then at most once a minute, and when writes succeed again), and
// a line cut short by the failure is ended before the next one is written, so
// the file stays one JSON object a line. A regular file is written back to
// disk as it grows, 8 MiB at a time, and what has been written back is
// dropped from the page cache: a log of gigabytes an hour keeps a few dozen
// MiB of cache, not all of it (left to grow, the kernel's copies into fresh
// cache pages rose from 0.2 % to 4 % of a loaded server's core within four
// minutes). Thread safe.
class AuditLog {
 public:
  // "-" or "" writes to stderr; otherwise the file is created (0600) or
  // appended to.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();

  void Record(const AuditEvent& event);
  void Flush();

  // Lines lost to failed writes since Open().
  uint64_t lost_lines() const;

 private:
  static constexpr size_t kBuffers = 16;
  // std::mutex, not absl::Mutex, throughout: Debian's Abseil is built without
  // sanitizer annotations, so ThreadSanitizer could not see it synchronize.
  struct Buffer {
    std::mutex mu;
    std::string pending;
  };
  AuditLog(int fd, bool owns_fd);
  void WriterLoop();
  void WriteOut(Buffer& buffer);  // takes the buffer's content and writes it

  // Writes `data` (whole lines) to the file; on failure counts and reports
  // what was lost. The caller holds write_mu_.
  void WriteLines(const std::string& data);
  // On the writer thread: starts the write-back of what the file took since
  // the last call, once that is a chunk, and drops the chunk before it (whose
  // write-back started a chunk ago) from the page cache. Advice only: a
  // failure changes nothing the log promises.
  void ReleaseWrittenPages();

  int fd_;
  bool owns_fd_;
  bool regular_file_ = false;  // page-cache release applies (not stderr, a pipe)
  mutable std::mutex write_mu_;  // keeps lines from interleaving on the file
  // Guarded by write_mu_:
  uint64_t lost_lines_ = 0;
  uint64_t lost_since_report_ = 0;
  bool torn_line_ = false;  // the file ends inside a line a failure cut short
  bool failing_ = false;    // the last write failed
  absl::Time next_report_ = absl::InfinitePast();
  // Writer thread only: the file's offsets up to which write-back has been
  // started, and up to which its pages were dropped.
  uint64_t writeback_from_ = 0;
  uint64_t released_to_ = 0;
  std::array<Buffer, kBuffers> buffers_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mu_
  std::thread writer_;
};

}  // namespace sts::audit

#endif  // STS_AUDIT_AUDIT_LOG_H_
