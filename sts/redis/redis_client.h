#ifndef STS_REDIS_REDIS_CLIENT_H_
#define STS_REDIS_REDIS_CLIENT_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct redisContext;

namespace sts::redis {

// One Redis reply, copied out of hiredis.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString, kStatus
  std::vector<RedisReply> elements;
};

// A small synchronous Redis client (hiredis) for the STS's shared state: a
// pool of connections, each command bounded by a timeout, so a Redis outage
// costs a caller at most that timeout. A connection that fails is dropped and
// a later call connects again, so the client recovers by itself once Redis
// is back; an idle connection is checked (PING) before reuse, so the first
// call after a Redis restart does not fail on a dead socket. Thread safe.
class RedisClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    absl::Duration timeout = absl::Milliseconds(250);  // connect, and each command
    size_t max_idle_connections = 16;
  };
  // "host:port".
  static absl::StatusOr<Options> ParseAddress(const std::string& address);

  explicit RedisClient(const Options& options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. UNAVAILABLE (wst:RequestFailed) when Redis cannot be
  // reached or answers too late; INTERNAL when Redis answers with an error.
  absl::StatusOr<RedisReply> Run(const std::vector<std::string>& args);

 private:
  struct Idle {
    redisContext* context;
    absl::Time since;
  };
  absl::StatusOr<redisContext*> Acquire();
  void Release(redisContext* context, bool healthy);

  Options options_;
  std::mutex mu_;  // guards idle_
  std::vector<Idle> idle_;
};

}  // namespace sts::redis

#endif  // STS_REDIS_REDIS_CLIENT_H_
