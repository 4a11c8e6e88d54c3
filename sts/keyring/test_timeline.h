#ifndef STS_KEYRING_TEST_TIMELINE_H_
#define STS_KEYRING_TEST_TIMELINE_H_

// For the keyring's tests: a context's timeline as the token service builds
// one (token_service.cc, TimelineFrom), from its lifetime, how long its key
// outlives expiry, and how long the record is kept after that.

#include <algorithm>

#include "absl/time/time.h"
#include "sts/token/token.h"

namespace sts::keyring::testing {

inline token::TokenTimeline Timeline(absl::Time created, absl::Duration lifetime,
                                     absl::Duration key_extra = absl::ZeroDuration(),
                                     absl::Duration retention = absl::Minutes(10)) {
  token::TokenTimeline t;
  t.created = created;
  t.expires = created + lifetime;
  t.key_until = t.expires + key_extra;
  t.forget_after = std::max(t.key_until, t.expires + retention);
  return t;
}

}  // namespace sts::keyring::testing

#endif  // STS_KEYRING_TEST_TIMELINE_H_
