// stsctl renew: renew the remembered context, proving possession of its key;
// the instance it replaces stays acceptable for its rollover window.
#include "client/crypto/bytes.h"
#include "absl/cleanup/cleanup.h"
#include "client/crypto/constant_time.h"
#include "client/stsctl/command.h"
#include "client/wire/scrub.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/key_request.h"
#include "client/stsctl/state.h"

namespace sts::stsctl {

int RunRenew(const Env& env, context::StsApi& sts) {
  absl::StatusOr<StoredContext> stored = LoadState(StatePath(env.args));
  if (!stored.ok()) return Fail(env, stored.status());
  if (absl::Status s = CheckNotCancelled(*stored); !s.ok()) return Fail(env, s);
  sts::v1::RenewRequest request;
  absl::StatusOr<std::string> entropy = FillKeyRequest(env, &request);
  if (!entropy.ok()) return Fail(env, entropy.status());
  // Our half of a computed key, wherever it was copied, is wiped on the way
  // out (the state file keeps the computed key itself).
  absl::Cleanup wipe = [&] {
    if (!entropy->empty()) crypto::SecureZero(entropy->data(), entropy->size());
    wire::ScrubRequest(&request);
  };
  const sts::v1::RequestSecurityTokenResponse& current = stored->current;
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response =
      sts.Renew(current.requested_security_token(),
                crypto::AsBytes(current.requested_proof_token().binary_secret().value()),
                request);
  if (!response.ok()) return Fail(env, response.status());
  return Remember(env, *std::move(response), *entropy, &*stored);
}

}  // namespace sts::stsctl
