// stsctl cancel: cancel the remembered context, proving possession of its key.
#include <cstdio>
#include <ostream>

#include "client/crypto/bytes.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/state.h"

namespace sts::stsctl {

int RunCancel(const Env& env, context::StsApi& sts) {
  const std::string path = StatePath(env.args);
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context = LoadContext(path);
  if (!context.ok()) return Fail(env, context.status());
  absl::StatusOr<sts::v1::CancelResponse> response =
      sts.Cancel(context->requested_security_token(),
                 crypto::AsBytes(context->requested_proof_token().binary_secret().value()));
  if (!response.ok()) return Fail(env, response.status());
  std::remove(path.c_str());
  env.out << "cancelled:  " << context->requested_security_token().identifier() << "\n";
  return 0;
}

}  // namespace sts::stsctl
