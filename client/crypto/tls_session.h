#ifndef STS_CLIENT_CRYPTO_TLS_SESSION_H_
#define STS_CLIENT_CRYPTO_TLS_SESSION_H_

// The client side of TLS 1.2/1.3 for peers that are not gRPC (Redis): gRPC
// brings its own TLS, everything else that needs it comes here, so the
// crypto library stays behind this module.
//
// The session does no I/O of its own: it moves bytes through a ByteChannel
// its caller owns (a connected socket, usually), so the caller keeps control
// of deadlines and signals (no SIGPIPE from a library's write()). Every
// operation is bounded by a deadline.
//
// Verification is always on: the peer's chain must lead to a CA of
// `ca_file`, and its certificate must name `server_name` (a DNS SAN, or an
// IP SAN when the name is an address). Thread safety: a TlsClientContext is
// immutable and shared by any number of sessions; a TlsSession is used by one
// thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace sts::crypto {

// Bytes to and from the peer, as the session's owner carries them.
class ByteChannel {
 public:
  virtual ~ByteChannel() = default;
  virtual absl::Status SendAll(absl::Span<const uint8_t> bytes, absl::Time deadline) = 0;
  // At least one byte, or 0 once the peer has closed.
  virtual absl::StatusOr<size_t> Receive(absl::Span<uint8_t> buffer, absl::Time deadline) = 0;
};

struct TlsClientFiles {
  std::string ca_file;    // PEM CAs the peer must chain to; required
  std::string cert_file;  // PEM chain presented to the peer; optional,
  std::string key_file;   // with its key (both or neither)
};

// The trust anchors and client credentials, loaded once. Errors name the
// file that could not be used (InvalidArgument).
class TlsClientContext {
 public:
  static absl::StatusOr<std::shared_ptr<const TlsClientContext>> Create(
      const TlsClientFiles& files);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

 private:
  friend class TlsSession;
  explicit TlsClientContext(void* ctx) : ctx_(ctx) {}
  void* ctx_;  // the backend's context
};

class TlsSession {
 public:
  // Runs the handshake over `channel` (borrowed: it must outlive the
  // session). UNAVAILABLE when the peer cannot be reached or verified, with
  // the reason (e.g. "certificate verify failed: ...").
  static absl::StatusOr<std::unique_ptr<TlsSession>> Handshake(
      std::shared_ptr<const TlsClientContext> context, ByteChannel* channel,
      const std::string& server_name, absl::Time deadline);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  absl::Status Write(absl::Span<const uint8_t> bytes, absl::Time deadline);
  // At least one byte of plaintext, or 0 once the peer has closed.
  absl::StatusOr<size_t> Read(absl::Span<uint8_t> buffer, absl::Time deadline);

 private:
  struct Impl;
  explicit TlsSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_TLS_SESSION_H_
