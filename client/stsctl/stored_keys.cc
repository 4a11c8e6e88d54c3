#include "client/stsctl/stored_keys.h"

#include "absl/strings/str_cat.h"
#include "client/stsctl/state.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"

namespace sts::stsctl {

absl::StatusOr<StoredKeys> LoadStoredKeys(const std::string& path) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> stored = LoadContext(path);
  if (!stored.ok()) return stored.status();
  auto info = std::make_shared<protect::ContextInfo>();
  info->identifier = stored->requested_security_token().identifier();
  info->cookie = stored->requested_security_token().cookie();
  info->principal = stored->principal();
  info->applies_to = stored->applies_to();
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys = protect::InstanceKeys::Create(
      std::move(info), stored->requested_security_token().instance(),
      crypto::SecretBytes::FromString(stored->requested_proof_token().binary_secret().value()));
  if (!keys.ok()) return keys.status();
  return StoredKeys{*std::move(keys), wire::TimeOf(stored->lifetime().expires())};
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> StoredResolver::Resolve(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  if (token.identifier() != stored_.keys->identifier()) {
    return wire::Refuse(wire::Refusal::kUnknownContext,
                        "the message names another context than the remembered one");
  }
  if (token.instance() != stored_.keys->instance()) {
    return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                        absl::StrCat("the remembered context holds instance ",
                                     stored_.keys->instance(), ", the message names ",
                                     token.instance()));
  }
  if (now > stored_.expires) {
    return wire::Refuse(wire::Refusal::kRenewNeeded, "the context has expired");
  }
  return stored_.keys;
}

}  // namespace sts::stsctl
