#ifndef STS_REDIS_REDIS_REPLY_H_
#define STS_REDIS_REDIS_REPLY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sts::redis {

// One Redis reply, copied out of the protocol reader.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString, kStatus, kError
  std::vector<RedisReply> elements;
};

}  // namespace sts::redis

#endif  // STS_REDIS_REDIS_REPLY_H_
