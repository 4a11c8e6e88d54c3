// stsctl verify | open: check a protected message and write its payload, as
// the remembered context's holder or, with --resolve, as the relying party.
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "client/protect/receiver.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/io.h"
#include "client/stsctl/stored_keys.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"

namespace sts::stsctl {
namespace {

absl::StatusOr<sts::v1::ProtectedMessage> ReadMessage(const Env& env) {
  absl::StatusOr<std::string> input = ReadInput(env);
  if (!input.ok()) return input.status();
  std::string bytes = *std::move(input);
  if (env.args.Has("base64")) {
    std::string decoded;
    if (!absl::Base64Unescape(absl::StripAsciiWhitespace(bytes), &decoded)) {
      return wire::Refuse(wire::Refusal::kMalformedRequest, "the input is not base64");
    }
    bytes = std::move(decoded);
  }
  sts::v1::ProtectedMessage message;
  if (!message.ParseFromString(bytes)) {
    return wire::Refuse(wire::Refusal::kMalformedRequest,
                        "the input is not an sts.v1.ProtectedMessage");
  }
  return message;
}

}  // namespace

int RunCheck(const Env& env, bool open, context::StsApi* relying_party) {
  absl::StatusOr<protect::Direction> direction = DirectionFlag(env.args);
  if (!direction.ok()) return Fail(env, direction.status());
  absl::StatusOr<absl::Duration> window = DurationFlag(env.args, "window", "5m");
  if (!window.ok()) return Fail(env, window.status());
  // As the holder, the remembered keys first: a cancelled context refuses
  // whatever the input.
  absl::StatusOr<StoredKeys> stored;
  if (relying_party == nullptr) {
    stored = LoadStoredKeys(StatePath(env.args));
    if (!stored.ok()) return Fail(env, stored.status());
  }
  absl::StatusOr<sts::v1::ProtectedMessage> message = ReadMessage(env);
  if (!message.ok()) return Fail(env, message.status());
  const std::string ad = env.args.Get("ad");
  std::string payload;
  std::shared_ptr<const protect::ContextInfo> who;
  if (relying_party != nullptr) {
    if (*direction != protect::Direction::kClientToServer) {
      return Fail(env, absl::InvalidArgumentError(
                           "--resolve checks messages to a relying party (client-to-server) only"));
    }
    verifier::VerifierOptions options;
    options.clock = env.clock;
    options.receiver.timestamp_window = *window;
    options.receiver.accept_psha1 = env.args.Has("accept-psha1");
    // The Verifier shares the StsApi; the command's caller keeps it alive.
    verifier::Verifier verifier(
        std::shared_ptr<context::StsApi>(relying_party, [](context::StsApi*) {}), options);
    absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> verified =
        open ? verifier.Open(*message, ad, &payload) : verifier.Verify(*message, ad);
    if (!verified.ok()) return Fail(env, verified.status());
    who = *verified;
  } else {
    StoredResolver resolver(*std::move(stored));
    protect::ReceiverOptions options;
    options.timestamp_window = *window;
    options.accept_psha1 = env.args.Has("accept-psha1");
    protect::Receiver receiver(&resolver, env.clock, options);
    absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> verified =
        open ? receiver.Open(*message, ad, *direction, &payload)
             : receiver.Verify(*message, ad, *direction);
    if (!verified.ok()) return Fail(env, verified.status());
    who = (*verified)->shared_info();
  }
  if (!open) payload = message->payload();
  env.err << "stsctl: " << (open ? "opened" : "verified") << ": context "
          << message->token().identifier() << " instance " << message->token().instance()
          << " principal " << who->principal << "\n";
  if (absl::Status w = WriteOutput(env, payload); !w.ok()) return Fail(env, w);
  return 0;
}

}  // namespace sts::stsctl
