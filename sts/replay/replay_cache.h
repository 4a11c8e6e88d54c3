#ifndef STS_REPLAY_REPLAY_CACHE_H_
#define STS_REPLAY_REPLAY_CACHE_H_

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::replay {

// 16 bytes that stand for one (context, nonce) pair; see pop::ProofVerifier.
// The same on every replica, so a proof replayed to another replica is
// recognised there (with a shared cache).
using ProofFingerprint = std::array<uint8_t, 16>;

// Remembers the proofs already accepted, so that each is accepted once.
// Implementations are thread safe.
class ReplayCache {
 public:
  virtual ~ReplayCache() = default;

  // Records `fingerprint`, a proof made by `principal`, until `forget_at`
  // (when its timestamp leaves the acceptance window, after which the window
  // check refuses it anyway). Refuses a fingerprint already recorded (a
  // replay: wst:FailedAuthentication), and refuses rather than forgets when
  // full (wst:RequestFailed, RESOURCE_EXHAUSTED): a cache that dropped live
  // entries would let replays through. A bounded cache gives each principal
  // a bounded share, so one principal cannot fill it for everyone.
  virtual absl::Status CheckAndRemember(const ProofFingerprint& fingerprint,
                                        absl::string_view principal, absl::Time forget_at,
                                        absl::Time now) = 0;
};

}  // namespace sts::replay

#endif  // STS_REPLAY_REPLAY_CACHE_H_
