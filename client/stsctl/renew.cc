// stsctl renew: renew the remembered context, proving possession of its key.
#include "client/crypto/bytes.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/key_request.h"
#include "client/stsctl/state.h"

namespace sts::stsctl {

int RunRenew(const Env& env, context::StsApi& sts) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context =
      LoadContext(StatePath(env.args));
  if (!context.ok()) return Fail(env, context.status());
  sts::v1::RenewRequest request;
  absl::StatusOr<std::string> entropy = FillKeyRequest(env, &request);
  if (!entropy.ok()) return Fail(env, entropy.status());
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response =
      sts.Renew(context->requested_security_token(),
                crypto::AsBytes(context->requested_proof_token().binary_secret().value()),
                request);
  if (!response.ok()) return Fail(env, response.status());
  return Remember(env, *std::move(response), *entropy);
}

}  // namespace sts::stsctl
