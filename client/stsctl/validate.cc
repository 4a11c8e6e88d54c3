// stsctl validate: ask the STS whether a context is valid (and, for its
// owner or audience, its keys).
#include <ostream>

#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/io.h"
#include "client/stsctl/state.h"
#include "client/wire/uris.h"

namespace sts::stsctl {

int RunValidate(const Env& env, context::StsApi& sts) {
  sts::v1::SecurityContextToken target;
  if (!env.args.Get("identifier").empty()) {
    target.set_identifier(env.args.Get("identifier"));
  } else {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context =
        LoadContext(StatePath(env.args));
    if (!context.ok()) return Fail(env, context.status());
    target = context->requested_security_token();
  }
  absl::StatusOr<sts::v1::ValidateResponse> response = sts.Validate(target);
  if (!response.ok()) return Fail(env, response.status());
  const bool valid = response->status().code() == wire::kStatusValid;
  env.out << "status:     " << (valid ? "valid" : "invalid") << " ("
          << response->status().reason() << ")\n";
  if (!valid) return 3;
  env.out << "identifier: " << response->token().identifier() << "\n"
          << "instance:   " << response->token().instance() << "\n"
          << "principal:  " << response->principal() << "\n"
          << "applies_to: " << response->applies_to() << "\n"
          << "expires:    " << FormatTimestamp(response->lifetime().expires()) << "\n"
          << "keys:       " << response->keys_size() << " released\n";
  if (env.args.Has("show-key")) {
    for (const sts::v1::ContextKey& key : response->keys()) {
      env.out << "key_hex:    instance " << key.instance() << " " << Hex(key.key()) << "\n";
    }
  }
  return 0;
}

}  // namespace sts::stsctl
