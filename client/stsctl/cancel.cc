// stsctl cancel: cancel the remembered context, proving possession of its key.
// The token stays remembered, marked cancelled and without any key, so that
// `validate` can still ask the STS about it; commands that need a key refuse.
#include <ostream>

#include "client/crypto/bytes.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/state.h"

namespace sts::stsctl {

int RunCancel(const Env& env, context::StsApi& sts) {
  const std::string path = StatePath(env.args);
  absl::StatusOr<StoredContext> stored = LoadState(path);
  if (!stored.ok()) return Fail(env, stored.status());
  const std::string identifier = stored->current.requested_security_token().identifier();
  if (stored->cancelled) {
    // Cancel is idempotent for the holder; without the key there is nothing
    // to prove, and nothing left to destroy here.
    env.out << "cancelled:  " << identifier << " (already cancelled)\n";
    return 0;
  }
  absl::StatusOr<sts::v1::CancelResponse> response = sts.Cancel(
      stored->current.requested_security_token(),
      crypto::AsBytes(stored->current.requested_proof_token().binary_secret().value()));
  if (!response.ok()) return Fail(env, response.status());
  MarkCancelled(*stored);
  if (absl::Status s = SaveState(path, *stored); !s.ok()) return Fail(env, s);
  env.out << "cancelled:  " << identifier << "\n";
  return 0;
}

}  // namespace sts::stsctl
