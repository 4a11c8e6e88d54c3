// What stsctl remembers about the context it last obtained, in one file:
//  - the RSTR of the current instance as the client resolved it, i.e. with
//    the context key in requested_proof_token.binary_secret even when the key
//    was computed;
//  - the instances a renewal superseded whose rollover window has not ended,
//    with their keys, because messages under them are still acceptable
//    (docs/PROTECTED_MESSAGE.md section 5), as a SecurityContext keeps them;
//  - once cancelled, the token alone (identifier, instance, cookie,
//    lifetime), marked cancelled and with every key wiped, so that `validate`
//    still asks the STS about it and every command that needs a key refuses
//    with wst:InvalidSecurityToken.
// The file holds keys, so it is written owner-only (0600, in a 0700
// directory) and replaced atomically. A file in the earlier format (a bare
// RSTR) reads as a live context with no superseded instance.
#ifndef STS_CLIENT_STSCTL_STATE_H_
#define STS_CLIENT_STSCTL_STATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"
#include "sts/v1/sts.pb.h"

namespace sts::stsctl {

// How long, and how many, superseded instances are kept: the STS's default
// rollover (docs/ARCHITECTURE.md section 5), as SecurityContext keeps them.
inline constexpr absl::Duration kRolloverWindow = absl::Minutes(5);
inline constexpr size_t kMaxPreviousInstances = 5;

struct PreviousInstance {
  std::string instance;
  crypto::SecretBytes key;
  absl::Time accept_until;
};

struct StoredContext {
  StoredContext() = default;
  StoredContext(StoredContext&&) = default;
  StoredContext& operator=(StoredContext&&) = default;
  ~StoredContext();  // wipes the current key

  sts::v1::RequestSecurityTokenResponse current;
  std::vector<PreviousInstance> previous;  // newest first
  bool cancelled = false;
};

// After a Renew at `now`: `next` becomes the current instance, the old one a
// previous instance until min(its expiry, now + kRolloverWindow), and those
// whose window has ended are dropped (at most kMaxPreviousInstances stay).
void Supersede(StoredContext& stored, sts::v1::RequestSecurityTokenResponse next, absl::Time now);
// After a Cancel: every key wiped and dropped, the token kept, marked
// cancelled.
void MarkCancelled(StoredContext& stored);
// wst:InvalidSecurityToken when `stored` was cancelled, else OK.
absl::Status CheckNotCancelled(const StoredContext& stored);

absl::Status SaveState(const std::string& path, const StoredContext& stored);
// NotFound (saying how to get one) when there is no state file.
absl::StatusOr<StoredContext> LoadState(const std::string& path);
// The current instance's RSTR alone (without its key once cancelled).
absl::StatusOr<sts::v1::RequestSecurityTokenResponse> LoadContext(const std::string& path);

// $STSCTL_STATE, else $HOME/.stsctl/context.
std::string DefaultStatePath();

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_STATE_H_
