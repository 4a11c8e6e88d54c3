#include "sts/replicas/redis_replica_state.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::replicas {
namespace {

using redis::RedisReply;
using wire::Refuse;
using wire::Refusal;

// KEYS[1] = context hash; ARGV = from instance, from's window end (ms),
// keep-until (ms), now (ms). Returns the new instance, or -1 if cancelled.
constexpr char kSupersede[] = R"lua(
if redis.call('HGET', KEYS[1], 'cancelled') == '1' then return -1 end
local current = tonumber(redis.call('HGET', KEYS[1], 'instance') or '0')
local from = tonumber(ARGV[1])
if from > current then current = from end
local next = current + 1
redis.call('HSET', KEYS[1], 'instance', next)
redis.call('HSETNX', KEYS[1], 'until:' .. ARGV[1], ARGV[2])
local keep = tonumber(ARGV[3])
local kept = tonumber(redis.call('HGET', KEYS[1], 'keep') or '0')
if keep > kept then
  redis.call('HSET', KEYS[1], 'keep', keep)
  kept = keep
end
redis.call('PEXPIREAT', KEYS[1], kept)
local now = tonumber(ARGV[4])
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 6) == 'until:' and tonumber(fields[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
return next
)lua";

// KEYS[1] = context hash; ARGV = keep-until (ms).
constexpr char kCancel[] = R"lua(
redis.call('HSET', KEYS[1], 'cancelled', '1')
local keep = tonumber(ARGV[1])
local kept = tonumber(redis.call('HGET', KEYS[1], 'keep') or '0')
if keep > kept then
  redis.call('HSET', KEYS[1], 'keep', keep)
  kept = keep
end
redis.call('PEXPIREAT', KEYS[1], kept)
return 1
)lua";

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

std::string Hex(const uint8_t* data, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(data), size));
}

}  // namespace

std::string RedisReplicaState::Key(const token::TokenId& id) const {
  return absl::StrCat(prefix_, "ctx:", Hex(id.bytes().data(), id.bytes().size()));
}

absl::StatusOr<ContextState> RedisReplicaState::Get(const token::TokenId& id) {
  absl::StatusOr<RedisReply> reply = redis_->Run({"HGETALL", Key(id)});
  if (!reply.ok()) return reply.status();
  ContextState state;
  const std::vector<RedisReply>& fields = reply->elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].text;
    const std::string& value = fields[i + 1].text;
    if (name == "cancelled") {
      state.cancelled = value == "1";
    } else if (name == "instance") {
      absl::SimpleAtoi(value, &state.current_instance);
    } else if (absl::StartsWith(name, "until:")) {
      uint32_t instance = 0;
      int64_t ms = 0;
      if (absl::SimpleAtoi(name.substr(6), &instance) && absl::SimpleAtoi(value, &ms)) {
        state.superseded_until[instance] = absl::FromUnixMillis(ms);
      }
    }
  }
  return state;
}

absl::StatusOr<uint32_t> RedisReplicaState::Supersede(const token::TokenId& id, uint32_t from,
                                                      absl::Time from_accept_until,
                                                      absl::Time keep_until, absl::Time now) {
  absl::StatusOr<RedisReply> reply =
      redis_->Run({"EVAL", kSupersede, "1", Key(id), absl::StrCat(from), Ms(from_accept_until),
                   Ms(keep_until), Ms(now)});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) {
    return Refuse(Refusal::kInternal, "unexpected Redis reply to a renewal");
  }
  if (reply->integer < 0) {
    return Refuse(Refusal::kCancelledContext, "the security context was cancelled");
  }
  return static_cast<uint32_t>(reply->integer);
}

absl::Status RedisReplicaState::Cancel(const token::TokenId& id, absl::Time keep_until,
                                       absl::Time /*now*/) {
  return redis_->Run({"EVAL", kCancel, "1", Key(id), Ms(keep_until)}).status();
}

}  // namespace sts::replicas
