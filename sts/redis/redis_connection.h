#ifndef STS_REDIS_REDIS_CONNECTION_H_
#define STS_REDIS_REDIS_CONNECTION_H_

// One connection to Redis, private to RedisClient: a TCP socket (TLS over it
// when configured), authenticated with AUTH when a password is set, carrying
// one command at a time. hiredis frames commands and parses replies; the
// bytes move here, through poll() with a deadline, so that every step
// (resolve aside, connect, handshake, AUTH, command) ends by its deadline and
// a write to a dead peer never raises SIGPIPE.
//
// Statuses here carry details for the server's own log (address, reasons);
// RedisClient decides what a caller is told. Not thread safe.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"
#include "client/crypto/tls_session.h"
#include "sts/redis/redis_reply.h"

struct redisReader;

namespace sts::redis {

struct Endpoint {
  std::string host;
  int port = 0;
  // TLS when set, verifying that the server's certificate names
  // `server_name` (the host when empty).
  std::shared_ptr<const crypto::TlsClientContext> tls;
  std::string server_name;
  // AUTH when a password is set; `username` empty means Redis's default user.
  std::string username;
  std::shared_ptr<const crypto::SecretBytes> password;
};

class RedisConnection {
 public:
  // Connects, handshakes and authenticates by `deadline`. UNAVAILABLE when
  // Redis cannot be reached or verified, PERMISSION_DENIED when it refuses
  // AUTH.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Open(const Endpoint& endpoint,
                                                               absl::Time deadline);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and reads its reply (an error reply is a kError
  // reply). ABORTED when the peer had closed the connection before any byte
  // of the reply came (the command may then be retried on a new connection);
  // DEADLINE_EXCEEDED or UNAVAILABLE otherwise. After any error the
  // connection must be dropped.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args, absl::Time deadline);

 private:
  class Socket;
  RedisConnection() = default;
  absl::Status Send(const char* data, size_t size, absl::Time deadline);
  // Some bytes, or ABORTED when the peer closed.
  absl::StatusOr<size_t> Receive(char* buffer, size_t size, absl::Time deadline);

  std::unique_ptr<Socket> socket_;
  std::unique_ptr<crypto::TlsSession> tls_;
  redisReader* reader_ = nullptr;
};

}  // namespace sts::redis

#endif  // STS_REDIS_REDIS_CONNECTION_H_
