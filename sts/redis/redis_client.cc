#include "sts/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::redis {
namespace {

// An idle connection older than this is PINGed before it is reused.
constexpr absl::Duration kCheckIdleAfter = absl::Seconds(1);

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

absl::StatusOr<RedisClient::Options> RedisClient::ParseAddress(const std::string& address) {
  Options options;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &options.port) || options.port <= 0 ||
      options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("redis address \"", address, "\" is not host:port"));
  }
  options.host = address.substr(0, colon);
  return options;
}

RedisClient::RedisClient(const Options& options) : options_(options) {}

RedisClient::~RedisClient() {
  for (Idle& idle : idle_) redisFree(idle.context);
}

absl::StatusOr<redisContext*> RedisClient::Acquire() {
  while (true) {
    Idle idle{nullptr, absl::InfinitePast()};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.empty()) break;
      idle = idle_.back();
      idle_.pop_back();
    }
    if (absl::Now() - idle.since < kCheckIdleAfter) return idle.context;
    auto* pong = static_cast<redisReply*>(redisCommand(idle.context, "PING"));
    const bool alive = pong != nullptr && pong->type == REDIS_REPLY_STATUS;
    if (pong != nullptr) freeReplyObject(pong);
    if (alive) return idle.context;
    redisFree(idle.context);
  }
  const timeval timeout = absl::ToTimeval(options_.timeout);
  redisContext* context = redisConnectWithTimeout(options_.host.c_str(), options_.port, timeout);
  if (context == nullptr || context->err != 0) {
    const std::string why = context != nullptr ? context->errstr : "out of memory";
    if (context != nullptr) redisFree(context);
    return wire::Refuse(wire::Refusal::kUnavailable,
                        absl::StrCat("shared state (Redis at ", options_.host, ":", options_.port,
                                     ") is unreachable: ", why, "; retry later"));
  }
  redisSetTimeout(context, timeout);
  return context;
}

void RedisClient::Release(redisContext* context, bool healthy) {
  if (healthy) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < options_.max_idle_connections) {
      idle_.push_back(Idle{context, absl::Now()});
      return;
    }
  }
  redisFree(context);
}

absl::StatusOr<RedisReply> RedisClient::Run(const std::vector<std::string>& args) {
  absl::StatusOr<redisContext*> context = Acquire();
  if (!context.ok()) return context.status();
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      *context, static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    const std::string why = (*context)->errstr;
    Release(*context, /*healthy=*/false);
    return wire::Refuse(wire::Refusal::kUnavailable,
                        absl::StrCat("shared state (Redis at ", options_.host, ":", options_.port,
                                     ") did not answer: ", why, "; retry later"));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string why(reply->str, reply->len);
    freeReplyObject(reply);
    Release(*context, /*healthy=*/true);
    return wire::Refuse(wire::Refusal::kInternal, absl::StrCat("Redis refused a command: ", why));
  }
  RedisReply out = Copy(reply);
  freeReplyObject(reply);
  Release(*context, /*healthy=*/true);
  return out;
}

}  // namespace sts::redis
