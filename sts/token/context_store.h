#ifndef STS_TOKEN_CONTEXT_STORE_H_
#define STS_TOKEN_CONTEXT_STORE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "sts/token/token.h"
#include "sts/token/token_id.h"
#include "sts/v1/token.pb.h"

namespace sts::token {

// Where security contexts live, as the token service sees it. Two kinds:
//  - stateful (sts/keyring, KeyringStore): everything in this process's
//    keyring; a token is just its identifier;
//  - stateless (sts/cookie): everything sealed into a cookie the holder
//    presents back, plus small shared state (cancellations, renewals) that
//    replicas share, so any replica serves any token.
// `target` is the SecurityContextToken a request names: its identifier has
// been parsed into `id`; a stateless store also reads its cookie.
// Implementations are thread safe. Refusals come from client/wire/fault.h.
class ContextStore {
 public:
  virtual ~ContextStore() = default;

  // Stores a new live context and fills `issued` (identifier, instance, and
  // the cookie for a stateless store).
  virtual absl::Status Create(const TokenId& id, absl::string_view principal,
                              absl::string_view applies_to, uint32_t instance,
                              absl::Span<const uint8_t> key,
                              const TokenTimeline& timeline,
                              sts::v1::SecurityContextToken* issued) = 0;

  // The context as of `now`, with its usable keys (current, then rolling
  // over); nullopt when the store knows nothing of it.
  virtual absl::StatusOr<std::optional<TokenView>> Find(
      const TokenId& id, const sts::v1::SecurityContextToken& target,
      absl::Time now) = 0;

  // Renewal: the current key becomes a superseded one, accepted until
  // min(pending_until, old expiry); `new_key` becomes current under the next
  // instance with `timeline`. An expired context is renewed only if
  // `allow_expired` and its key is still retained. Fills `issued` with the new
  // instance (and cookie).
  virtual absl::Status Rotate(const TokenId& id,
                              const sts::v1::SecurityContextToken& target, absl::Time now,
                              absl::Span<const uint8_t> new_key,
                              const TokenTimeline& timeline, absl::Time pending_until,
                              bool allow_expired, sts::v1::SecurityContextToken* issued) = 0;

  // Destroys the context's keys for good; remembered as cancelled until
  // `forget_after`.
  virtual absl::Status Cancel(const TokenId& id,
                              const sts::v1::SecurityContextToken& target, absl::Time now,
                              absl::Time forget_after) = 0;
};

}  // namespace sts::token

#endif  // STS_TOKEN_CONTEXT_STORE_H_
