#include "sts/redis/redis_client.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"
#include "sts/redis/redis_connection.h"

namespace sts::redis {

absl::StatusOr<RedisClient::Options> RedisClient::ParseAddress(const std::string& address) {
  Options options;
  const size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (colon == std::string::npos || host.empty() ||
      !absl::SimpleAtoi(address.substr(colon + 1), &options.port) || options.port <= 0 ||
      options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address \"", address, "\" is not host:port"));
  }
  options.host = host;
  return options;
}

RedisClient::RedisClient(const Options& options) : options_(options) {}

RedisClient::~RedisClient() = default;

std::unique_ptr<RedisConnection> RedisClient::TakeIdle() {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.empty()) return nullptr;
  std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void RedisClient::Release(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

void RedisClient::Log(const std::string& line) {
  // An outage fails every call: one line a second says as much as all.
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(log_mu_);
  if (now - last_logged_ < absl::Seconds(1)) {
    ++suppressed_;
    return;
  }
  std::fprintf(stderr, "sts_server: shared state: Redis at %s:%d: %s%s\n", options_.host.c_str(),
               options_.port, line.c_str(),
               suppressed_ == 0 ? ""
                                : absl::StrCat(" (and ", suppressed_, " more failures)").c_str());
  last_logged_ = now;
  suppressed_ = 0;
}

absl::Status RedisClient::Unavailable(const absl::Status& why) {
  Log(std::string(why.message()));
  return wire::Refuse(wire::Refusal::kUnavailable,
                      "the STS cannot reach its shared state (Redis); retry later");
}

namespace {

// Error replies by which Redis says "not now" rather than "never": loading
// its data after a restart, running a long script, a replica or cluster
// between primaries. The caller may retry, so they are UNAVAILABLE, not
// INTERNAL.
bool IsTransient(absl::string_view redis_error) {
  const absl::string_view word = redis_error.substr(0, redis_error.find(' '));
  for (absl::string_view transient :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"}) {
    if (word == transient) return true;
  }
  return false;
}

}  // namespace

absl::Status RedisClient::Refused(const std::string& redis_error) {
  Log(absl::StrCat("refused a command: ", redis_error));
  return wire::Refuse(wire::Refusal::kInternal, "the STS's shared state (Redis) refused a command");
}

absl::StatusOr<RedisReply> RedisClient::Run(const std::vector<std::string>& args) {
  if (!options_.on_command) return RunOnce(args);
  const absl::Time start = absl::Now();
  absl::StatusOr<RedisReply> reply = RunOnce(args);
  // An error reply came back as INTERNAL: Redis answered.
  options_.on_command(absl::Now() - start, reply.ok() || absl::IsInternal(reply.status()));
  return reply;
}

absl::StatusOr<RedisReply> RedisClient::RunOnce(const std::vector<std::string>& args) {
  const absl::Time deadline = absl::Now() + options_.timeout;
  const Endpoint endpoint{options_.host, options_.port,     options_.tls,
                          options_.tls_server_name,       options_.username, options_.password};
  // At most two attempts: a pooled connection, then, only if Redis had
  // closed that one before answering, a new one.
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<RedisConnection> connection = attempt == 0 ? TakeIdle() : nullptr;
    const bool reused = connection != nullptr;
    if (!reused) {
      absl::StatusOr<std::unique_ptr<RedisConnection>> opened = RedisConnection::Open(endpoint, deadline);
      if (!opened.ok()) return Unavailable(opened.status());
      connection = *std::move(opened);
    }
    absl::StatusOr<RedisReply> reply = connection->Command(args, deadline);
    if (reply.ok()) {
      if (reply->type == RedisReply::Type::kError && IsTransient(reply->text)) {
        // Dropped, not pooled: a READONLY one may point at a demoted primary.
        return Unavailable(absl::UnavailableError(absl::StrCat("not ready: ", reply->text)));
      }
      Release(std::move(connection));
      if (reply->type == RedisReply::Type::kError) return Refused(reply->text);
      return reply;
    }
    if (reused && absl::IsAborted(reply.status())) continue;
    return Unavailable(reply.status());
  }
}

}  // namespace sts::redis
