#ifndef STS_SERVER_REDIS_OPTIONS_H_
#define STS_SERVER_REDIS_OPTIONS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sts/config/sts_config.pb.h"
#include "sts/redis/redis_client.h"

namespace sts::server {

// The Redis client's options from a validated `redis` block: the address,
// `timeout`, the password read from password_file (which must not be
// readable by group or others; one line, trailing newlines ignored; kept in
// a SecretBytes), and the TLS context from tls { ... }. Errors name the
// setting and file at fault.
absl::StatusOr<redis::RedisClient::Options> RedisOptionsFromConfig(
    const config::RedisConfig& config, absl::Duration timeout);

}  // namespace sts::server

#endif  // STS_SERVER_REDIS_OPTIONS_H_
