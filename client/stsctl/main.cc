// stsctl: a command-line client of the STS. `stsctl --help` lists everything;
// each command lives in its own file (command.h).
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "client/channel.h"
#include "client/clock.h"
#include "client/core_dumps.h"
#include "client/context/sts_api.h"
#include "client/sts_client.h"
#include "client/stsctl/args.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/soap_command.h"
#include "client/version.h"

namespace sts::stsctl {
namespace {

constexpr char kUsage[] = R"(stsctl: client of the security token service (sts.v1 over mutual TLS).

Usage: stsctl COMMAND [flags]

Commands:
  issue      obtain a new security context token (SCT) and remember it
  renew      renew the remembered SCT (proof of possession is made for you);
             the replaced instance stays acceptable for its rollover window
  cancel     cancel the remembered SCT (proof of possession is made for you);
             its keys are destroyed, its token stays remembered so that
             validate can still ask about it
  validate   ask the STS whether an SCT is valid (and, for its audience or
             owner, its keys)
  health     check the gRPC health service; exit 0 only when SERVING
  sign       protect a message with the remembered SCT (HMAC-SHA256): read the
             payload, write an sts.v1.ProtectedMessage
  seal       the same with encryption (AES-256-GCM)
  verify     check a signed sts.v1.ProtectedMessage and write its payload;
             exit 0 only when it verifies (1 when refused)
  open       check and decrypt a sealed sts.v1.ProtectedMessage
             (docs/PROTECTED_MESSAGE.md specifies the format)
  soap       sign, verify, encrypt or decrypt a SOAP envelope (see below)

Connection flags (all commands):
  --addr HOST:PORT        the STS (default 127.0.0.1:8443)
  --ca FILE               PEM CA bundle the STS certificate must chain to
                          (default .dev/pki/ca.pem)
  --cert FILE             PEM client certificate (default .dev/pki/client.pem)
  --key FILE              PEM client private key (default .dev/pki/client.key)
  --server-name NAME      name to verify in the STS certificate, when it is not
                          the host of --addr
  --timeout DURATION      per-call deadline (default 10s)

Token flags:
  --state FILE            where the SCT is remembered (default $STSCTL_STATE,
                          else ~/.stsctl/context; written owner-only)
  --applies-to URI        issue: the relying party (audience) of the SCT
  --lifetime DURATION     issue, renew: requested lifetime, e.g. 30m, 2h
  --key-size BITS         issue, renew: key size, 128..512 (default 256)
  --entropy               issue, renew: send our own entropy, so the key is
                          computed on both sides and never sent
  --computed-key-algorithm URI
                          with --entropy: CK/PSHA1 (default) or
                          urn:sts:v1:ck:hkdf-sha256
  --identifier URN        validate: the SCT to validate, instead of the
                          remembered one
  --show-key              also print key bytes (hex); they are secret
  --xml                   issue: print the response as a WS-Trust 1.3
                          RequestSecurityTokenResponseCollection

Message flags (sign, seal, verify, open; --state names the SCT):
  --in FILE               read from FILE (default: standard input)
  --out FILE              write to FILE (default: standard output)
  --ad TEXT               associated data the tag also covers, e.g. an RPC
                          method; the receiver must pass the same (default "")
  --base64                messages are base64 text rather than binary
  --direction DIR         client-to-server (default: messages from the SCT's
                          holder) or server-to-client (its relying party's)
  --derivation ALG        sign, seal: hkdf (default) or psha1 (a WS-SC
                          DerivedKeyToken, for SOAP peers)
  --generation N          with psha1: the key's wsc:Generation (default: none,
                          offset 0)
  --label TEXT            with psha1: the wsc:Label (default: the WS-SC one)
  --receiver URI          sign, seal: the principal the message is for
                          (default: the SCT's audience; with
                          server-to-client, its holder)
  --accept-psha1          verify, open: accept P_SHA1 derived keys (WS-SC
                          peers); refused by default, as they are not
                          separated by direction
  --resolve               verify, open: act as the relying party: fetch the
                          key with Validate from the STS (connection flags),
                          instead of using the remembered SCT
  --window DURATION       verify, open: accepted clock difference (default 5m)
  Each run is a new receiver: replays across runs are not detected.

Health flags:
  --insecure              health: plaintext, for the STS's health-only port
  --service NAME          health: the service to ask about (default: the
                          server as a whole)

  --help                  this text
  --version               print stsctl's version (the client library's) and exit
)";

const std::set<std::string> kValueFlags = {
    "addr", "ca",       "cert",     "key",        "server-name",
    "timeout", "state", "applies-to", "lifetime", "key-size",
    "computed-key-algorithm", "identifier", "service",
    "in", "out", "ad", "direction", "derivation", "generation", "label", "window", "receiver"};
const std::set<std::string> kSwitchFlags = {"entropy", "show-key", "insecure", "help",
                                            "base64", "resolve", "accept-psha1", "version"};

std::set<std::string> With(std::set<std::string> flags, const std::set<std::string>& more) {
  flags.insert(more.begin(), more.end());
  return flags;
}

// The commands that talk to the STS get an StsApi over a mutual-TLS channel.
int WithSts(const Env& env, int (*command)(const Env&, context::StsApi&)) {
  absl::StatusOr<absl::Duration> timeout = DurationFlag(env.args, "timeout", "10s");
  if (!timeout.ok()) return Fail(env, timeout.status());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeMutualTlsChannel(ChannelFlags(env.args));
  if (!channel.ok()) return Fail(env, channel.status());
  std::shared_ptr<context::StsApi> sts =
      context::StsApi::FromClient(std::make_shared<StsClient>(*channel, env.clock, *timeout));
  return command(env, *sts);
}

int Run(const Env& env) {
  const std::string& command = env.args.command;
  if (command == "issue") return WithSts(env, RunIssue);
  if (command == "renew") return WithSts(env, RunRenew);
  if (command == "cancel") return WithSts(env, RunCancel);
  if (command == "validate") return WithSts(env, RunValidate);
  if (command == "health") return RunHealth(env);
  if (command == "soap") {
    absl::StatusOr<absl::Duration> timeout = DurationFlag(env.args, "timeout", "10s");
    if (!timeout.ok()) return Fail(env, timeout.status());
    return RunSoapCommand(env.args, ChannelFlags(env.args), *timeout);
  }
  if (command == "sign" || command == "seal") return RunProtect(env, command == "seal");
  if (command == "verify" || command == "open") {
    const bool open = command == "open";
    if (!env.args.Has("resolve")) return RunCheck(env, open, nullptr);
    return WithSts(env, open ? +[](const Env& e, context::StsApi& sts) { return RunCheck(e, true, &sts); }
                             : +[](const Env& e, context::StsApi& sts) { return RunCheck(e, false, &sts); });
  }
  std::fprintf(stderr, "stsctl: unknown command \"%s\" (see stsctl --help)\n", command.c_str());
  return 2;
}

}  // namespace
}  // namespace sts::stsctl

int main(int argc, char** argv) {
  using namespace sts::stsctl;
  // stsctl holds context keys (the state file, a computed key).
  if (absl::Status s = sts::DisableCoreDumps(); !s.ok()) {
    std::fprintf(stderr, "stsctl: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  absl::StatusOr<Args> args = ParseArgs(argc, argv, With(kValueFlags, kSoapValueFlags),
                                        With(kSwitchFlags, kSoapSwitchFlags));
  if (!args.ok()) {
    std::fprintf(stderr, "stsctl: %s\n", std::string(args.status().message()).c_str());
    return 2;
  }
  if (args->Has("version")) {
    std::printf("stsctl %s\n", sts::ClientVersion());
    return 0;
  }
  if (args->Has("help") || args->command.empty() || args->command == "help") {
    std::FILE* out = args->command.empty() && !args->Has("help") ? stderr : stdout;
    std::fputs(kUsage, out);
    std::fputs(kSoapUsage, out);
    return args->command.empty() && !args->Has("help") ? 2 : 0;
  }
  const Env env{*args, std::cin, std::cout, std::cerr, sts::Clock::Real()};
  return Run(env);
}
