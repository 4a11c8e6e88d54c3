// stsctl sign | seal: protect a payload with the remembered context
// (docs/PROTECTED_MESSAGE.md), no STS needed.
#include "absl/strings/escaping.h"
#include "client/protect/message.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/io.h"
#include "client/stsctl/stored_keys.h"
#include "client/wire/fault.h"

namespace sts::stsctl {

int RunProtect(const Env& env, bool seal) {
  absl::StatusOr<protect::Direction> direction = DirectionFlag(env.args);
  if (!direction.ok()) return Fail(env, direction.status());
  absl::StatusOr<protect::DerivationOptions> derivation = DerivationFlags(env.args);
  if (!derivation.ok()) return Fail(env, derivation.status());
  absl::StatusOr<StoredKeys> stored = LoadStoredKeys(StatePath(env.args));
  if (!stored.ok()) return Fail(env, stored.status());
  const absl::Time now = env.clock->Now();
  if (now >= stored->expires) {
    return Fail(env, wire::Refuse(wire::Refusal::kRenewNeeded,
                                  "the remembered context has expired; run `stsctl renew`"));
  }
  absl::StatusOr<std::string> payload = ReadInput(env);
  if (!payload.ok()) return Fail(env, payload.status());
  sts::v1::ProtectedMessage message;
  // A new process per message: sequence numbers from the clock (in
  // microseconds) keep increasing across runs, as a receiver's window needs.
  protect::FillHeader(*stored->current, *derivation,
                      seal ? sts::v1::ProtectedMessage::PROTECTION_SEAL
                           : sts::v1::ProtectedMessage::PROTECTION_SIGN,
                      *direction, static_cast<uint64_t>(absl::ToUnixMicros(now)), now, &message,
                      env.args.Get("receiver").empty()
                          ? std::nullopt
                          : std::optional<std::string>(env.args.Get("receiver")));
  *message.mutable_payload() = *std::move(payload);
  const std::string ad = env.args.Get("ad");
  absl::Status s = seal ? protect::SealInPlace(*stored->current, &message, ad)
                        : protect::SignInPlace(*stored->current, &message, ad);
  if (!s.ok()) return Fail(env, s);
  std::string out = message.SerializeAsString();
  if (env.args.Has("base64")) out = absl::Base64Escape(out) + "\n";
  if (absl::Status w = WriteOutput(env, out); !w.ok()) return Fail(env, w);
  return 0;
}

}  // namespace sts::stsctl
