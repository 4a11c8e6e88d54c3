#include "client/stsctl/stored_keys.h"

#include "absl/strings/str_cat.h"
#include "client/stsctl/state.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"

namespace sts::stsctl {

absl::StatusOr<StoredKeys> LoadStoredKeys(const std::string& path) {
  absl::StatusOr<StoredContext> stored = LoadState(path);
  if (!stored.ok()) return stored.status();
  if (absl::Status s = CheckNotCancelled(*stored); !s.ok()) return s;
  const sts::v1::RequestSecurityTokenResponse& current = stored->current;
  auto info = std::make_shared<protect::ContextInfo>();
  info->identifier = current.requested_security_token().identifier();
  info->cookie = current.requested_security_token().cookie();
  info->principal = current.principal();
  info->applies_to = current.applies_to();
  StoredKeys keys;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> made =
      protect::InstanceKeys::Create(
          info, current.requested_security_token().instance(),
          crypto::SecretBytes::FromString(current.requested_proof_token().binary_secret().value()));
  if (!made.ok()) return made.status();
  keys.current = *std::move(made);
  keys.expires = wire::TimeOf(current.lifetime().expires());
  for (PreviousInstance& p : stored->previous) {
    made = protect::InstanceKeys::Create(info, p.instance, std::move(p.key));
    if (!made.ok()) return made.status();
    keys.previous.push_back({*std::move(made), p.accept_until});
  }
  return keys;
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> StoredResolver::Resolve(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  if (token.identifier() != stored_.current->identifier()) {
    return wire::Refuse(wire::Refusal::kUnknownContext,
                        "the message names another context than the remembered one");
  }
  if (token.instance() == stored_.current->instance()) {
    if (now > stored_.expires) {
      return wire::Refuse(wire::Refusal::kRenewNeeded, "the context has expired");
    }
    return stored_.current;
  }
  for (const StoredKeys::Previous& p : stored_.previous) {
    if (p.keys->instance() != token.instance()) continue;
    if (now > p.accept_until) {
      return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                          absl::StrCat("the rollover window of instance ", token.instance(),
                                       " has ended"));
    }
    return p.keys;
  }
  return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                      absl::StrCat("the remembered context holds instance ",
                                   stored_.current->instance(), " (and no superseded instance ",
                                   token.instance(), " inside its rollover window)"));
}

}  // namespace sts::stsctl
