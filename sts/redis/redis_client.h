#ifndef STS_REDIS_REDIS_CLIENT_H_
#define STS_REDIS_REDIS_CLIENT_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"
#include "client/crypto/tls_session.h"
#include "sts/redis/redis_reply.h"

namespace sts::redis {

class RedisConnection;

// A small synchronous Redis client for the STS's shared state: a pool of
// connections (TCP, or TLS with the server's certificate verified;
// authenticated with AUTH when a password is set), each call bounded by one
// timeout that covers connecting, the handshake, AUTH and the command, so a
// Redis outage costs a caller at most that timeout. A connection that fails
// is dropped and a later call connects again, so the client recovers by
// itself once Redis is back; a pooled connection that Redis had closed (a
// restart) is replaced within the same call.
//
// Callers are told what failed, never where Redis is: the address and the
// reasons go to the server's own log (stderr), at most once a second. Thread
// safe; every call blocks its thread (the server runs them off its serving
// threads: sts/server/worker_pool.h).
class RedisClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    absl::Duration timeout = absl::Milliseconds(250);
    size_t max_idle_connections = 16;
    // AUTH when set; `username` empty means Redis's default user.
    std::string username;
    std::shared_ptr<const crypto::SecretBytes> password;
    // TLS when set; the certificate must name tls_server_name (default: host).
    std::shared_ptr<const crypto::TlsClientContext> tls;
    std::string tls_server_name;
    // Told of every command once it ends: how long it took, and whether
    // Redis answered (an error reply is an answer; a timeout or a lost
    // connection is not). For metrics; called on the caller's thread, so it
    // must be cheap and thread safe. Optional.
    std::function<void(absl::Duration elapsed, bool answered)> on_command;
  };
  // "host:port" (host may be a name, an IPv4 address or a bracketed IPv6
  // address); the other options keep their defaults.
  static absl::StatusOr<Options> ParseAddress(const std::string& address);

  explicit RedisClient(const Options& options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. UNAVAILABLE (wst:RequestFailed) when Redis cannot be
  // reached, verified or authenticated, answers too late, or answers that it
  // is not ready (LOADING after a restart, BUSY, MASTERDOWN, TRYAGAIN,
  // CLUSTERDOWN, READONLY); INTERNAL (wst:RequestFailed) for any other
  // error reply.
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& args);

 private:
  absl::StatusOr<RedisReply> RunOnce(const std::vector<std::string>& args);
  std::unique_ptr<RedisConnection> TakeIdle();
  void Release(std::unique_ptr<RedisConnection> connection);
  // Logs `why` with the address; the refusal the caller gets.
  absl::Status Unavailable(const absl::Status& why);
  absl::Status Refused(const std::string& redis_error);
  void Log(const std::string& line);

  Options options_;
  std::mutex mu_;  // guards idle_
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::mutex log_mu_;  // guards the two below
  absl::Time last_logged_ = absl::InfinitePast();
  int suppressed_ = 0;
};

}  // namespace sts::redis

#endif  // STS_REDIS_REDIS_CLIENT_H_
