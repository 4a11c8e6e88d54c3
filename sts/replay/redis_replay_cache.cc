#include "sts/replay/redis_replay_cache.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::replay {
namespace {

using redis::RedisReply;
using wire::Refuse;
using wire::Refusal;

std::string Hex(const uint8_t* data, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(data), size));
}

// Milliseconds since the epoch, rounded up: Redis keeps entries no shorter
// than asked.
std::string CeilMs(absl::Time t) {
  int64_t ms = absl::ToUnixMillis(t);  // rounds towards negative infinity
  if (absl::FromUnixMillis(ms) < t) ++ms;
  return absl::StrCat(ms);
}

}  // namespace

absl::Status RedisReplayCache::CheckAndRemember(const ProofFingerprint& fingerprint,
                                                absl::string_view principal,
                                                absl::Time forget_at, absl::Time now) {
  if (forget_at <= now) forget_at = now + absl::Milliseconds(1);
  absl::StatusOr<RedisReply> reply =
      redis_->Run({"SET", absl::StrCat(prefix_, "pop:", Hex(fingerprint.data(), fingerprint.size())),
                   "1", "PXAT", CeilMs(forget_at), "NX"});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) {
    return Refuse(Refusal::kBadProof, "replayed proof of possession (nonce already used)");
  }
  return absl::OkStatus();
}

}  // namespace sts::replay
