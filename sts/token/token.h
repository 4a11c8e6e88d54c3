#ifndef STS_TOKEN_TOKEN_H_
#define STS_TOKEN_TOKEN_H_

// The token model: what the STS knows about one security context, whichever
// store keeps it (sts/keyring in this process's memory, or sts/cookie sealed
// into the token itself). Stores produce these values; the token service
// (token_service.h) decides with them. Nothing here is printable: KeyCopy
// holds its key in a SecretBytes.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"

namespace sts::token {

enum class TokenState : uint8_t {
  kLive,
  kExpired,
  kCancelled,
  // The presented token's instance was renewed into a newer one and its
  // rollover window is over. Only stateless stores can say this: a stateful
  // store always answers for the newest instance of an identifier.
  kSuperseded,
};

// One generation of a context's key, copied out of its store.
struct KeyCopy {
  uint32_t instance = 0;
  absl::Time accept_until;
  crypto::SecretBytes key;
};

// A consistent copy of one context as of a given time.
struct TokenView {
  TokenState state = TokenState::kLive;  // kExpired once now >= expires
  uint32_t instance = 0;
  absl::Time created;  // of the current instance
  absl::Time expires;
  absl::Time origin;   // when the context was first issued (instance 1)
  std::string principal;
  std::string applies_to;
  uint32_t key_bits = 0;
  // The keys the holder may use: the current key first (if still retained),
  // then superseded keys inside their rollover window, newest first.
  std::vector<KeyCopy> keys;
  // The store could not read the revocation state replicas share, so `state`
  // comes from the token alone (sts.v1.ValidateResponse.revocation_state_unknown).
  bool revocation_state_unknown = false;
};

// When the parts of a context go away (each at or after the previous one).
struct TokenTimeline {
  absl::Time created;
  absl::Time expires;       // the token stops being valid
  absl::Time key_until;     // the current key is zeroized (>= expires)
  absl::Time forget_after;  // the record is erased (>= key_until)
};

// The refusal for using a context that is not live, the one place that says
// which state means which fault (wst:InvalidSecurityToken, wst:ExpiredData,
// wsc:UnknownDerivationSource). `state` must not be kLive.
absl::Status RefuseNotLive(TokenState state);

}  // namespace sts::token

#endif  // STS_TOKEN_TOKEN_H_
