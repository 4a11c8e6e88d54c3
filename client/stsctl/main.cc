// stsctl: a command-line client of the STS. `stsctl --help` lists everything.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/clock.h"
#include "client/context/sts_api.h"
#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/protect/instance_keys.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"
#include "client/stsctl/args.h"
#include "client/stsctl/state.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/uris.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"

namespace sts::stsctl {
namespace {

constexpr char kUsage[] = R"(stsctl: client of the security token service (sts.v1 over mutual TLS).

Usage: stsctl COMMAND [flags]

Commands:
  issue      obtain a new security context token (SCT) and remember it
  renew      renew the remembered SCT (proof of possession is made for you)
  cancel     cancel the remembered SCT (proof of possession is made for you)
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
)";

const std::set<std::string> kValueFlags = {
    "addr", "ca",       "cert",     "key",        "server-name",
    "timeout", "state", "applies-to", "lifetime", "key-size",
    "computed-key-algorithm", "identifier", "service",
    "in", "out", "ad", "direction", "derivation", "generation", "label", "window"};
const std::set<std::string> kSwitchFlags = {"entropy", "show-key", "insecure", "help",
                                            "base64", "resolve"};

int Fail(const absl::Status& status) {
  std::string fault = wire::FaultNameOf(status);
  std::fprintf(stderr, "stsctl: %s\n", std::string(status.message()).c_str());
  if (!fault.empty() && status.message().find(fault) == absl::string_view::npos) {
    std::fprintf(stderr, "stsctl: fault %s\n", fault.c_str());
  }
  return 1;
}

absl::StatusOr<absl::Duration> DurationFlag(const Args& args, const std::string& name,
                                            const std::string& fallback) {
  absl::Duration d;
  const std::string text = args.Get(name, fallback);
  if (!absl::ParseDuration(text, &d)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": \"", text, "\" is not a duration"));
  }
  return d;
}

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

void PrintContext(const sts::v1::RequestSecurityTokenResponse& r, bool show_key) {
  std::cout << "identifier: " << r.requested_security_token().identifier() << "\n"
            << "instance:   " << r.requested_security_token().instance() << "\n"
            << "principal:  " << r.principal() << "\n"
            << "applies_to: " << r.applies_to() << "\n"
            << "key_size:   " << r.key_size() << "\n"
            << "expires:    " << FormatTimestamp(r.lifetime().expires()) << "\n";
  if (!r.requested_proof_token().computed_key().empty()) {
    std::cout << "key:        computed on both sides ("
              << r.requested_proof_token().computed_key() << ")\n";
  }
  if (show_key) {
    std::cout << "key_hex:    " << Hex(r.requested_proof_token().binary_secret().value()) << "\n";
  }
}

class Cli {
 public:
  explicit Cli(Args args) : args_(std::move(args)) {}

  int Run() {
    if (args_.command == "health") return Health();
    // With the remembered SCT, messages need no connection to the STS.
    if (args_.command == "sign") return Protect(false);
    if (args_.command == "seal") return Protect(true);
    if ((args_.command == "verify" || args_.command == "open") && !args_.Has("resolve")) {
      return Check(args_.command == "open");
    }
    absl::StatusOr<absl::Duration> timeout = DurationFlag(args_, "timeout", "10s");
    if (!timeout.ok()) return Fail(timeout.status());
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeMutualTlsChannel(Options());
    if (!channel.ok()) return Fail(channel.status());
    client_ = std::make_shared<StsClient>(*channel, Clock::Real(), *timeout);
    if (args_.command == "issue") return Issue();
    if (args_.command == "renew") return Renew();
    if (args_.command == "cancel") return Cancel();
    if (args_.command == "validate") return Validate();
    if (args_.command == "verify" || args_.command == "open") return Check(args_.command == "open");
    std::fprintf(stderr, "stsctl: unknown command \"%s\" (see stsctl --help)\n", args_.command.c_str());
    return 2;
  }

 private:
  ChannelOptions Options() const {
    ChannelOptions o;
    o.address = args_.Get("addr", "127.0.0.1:8443");
    o.ca_file = args_.Get("ca", ".dev/pki/ca.pem");
    o.cert_file = args_.Get("cert", ".dev/pki/client.pem");
    o.key_file = args_.Get("key", ".dev/pki/client.key");
    o.server_name = args_.Get("server-name");
    return o;
  }

  std::string StatePath() const { return args_.Get("state", DefaultStatePath()); }

  // Lifetime, key size and entropy flags, shared by issue and renew.
  template <class Request>
  absl::StatusOr<std::string> FillKeyRequest(Request* request) {
    if (!args_.Get("lifetime").empty()) {
      absl::StatusOr<absl::Duration> lifetime = DurationFlag(args_, "lifetime", "");
      if (!lifetime.ok()) return lifetime.status();
      request->mutable_lifetime()->set_seconds(absl::ToInt64Seconds(*lifetime));
    }
    if (!args_.Get("key-size").empty()) {
      request->set_key_size(static_cast<uint32_t>(std::strtoul(args_.Get("key-size").c_str(), nullptr, 10)));
    }
    std::string entropy;
    if (args_.Has("entropy")) {
      const uint32_t bits = request->key_size() == 0 ? 256 : request->key_size();
      absl::StatusOr<std::string> random = crypto::RandomBytes(std::max<uint32_t>(bits / 8, 32));
      if (!random.ok()) return random.status();
      entropy = *std::move(random);
      request->mutable_entropy()->mutable_binary_secret()->set_value(entropy);
      request->mutable_entropy()->mutable_binary_secret()->set_type(
          std::string(wire::kBinarySecretNonce));
      request->set_computed_key_algorithm(args_.Get("computed-key-algorithm"));
    }
    return entropy;
  }

  // Stores the response with the key resolved, then prints it.
  int Remember(sts::v1::RequestSecurityTokenResponse response, const std::string& entropy) {
    absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(response, crypto::AsBytes(entropy));
    if (!key.ok()) return Fail(key.status());
    response.mutable_requested_proof_token()->mutable_binary_secret()->set_value(
        reinterpret_cast<const char*>(key->data()), key->size());
    if (absl::Status s = SaveContext(StatePath(), response); !s.ok()) return Fail(s);
    PrintContext(response, args_.Has("show-key"));
    return 0;
  }

  int Issue() {
    sts::v1::IssueRequest request;
    request.set_applies_to(args_.Get("applies-to"));
    absl::StatusOr<std::string> entropy = FillKeyRequest(&request);
    if (!entropy.ok()) return Fail(entropy.status());
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response = client_->Issue(request);
    if (!response.ok()) return Fail(response.status());
    return Remember(*std::move(response), *entropy);
  }

  int Renew() {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context = LoadContext(StatePath());
    if (!context.ok()) return Fail(context.status());
    sts::v1::RenewRequest request;
    absl::StatusOr<std::string> entropy = FillKeyRequest(&request);
    if (!entropy.ok()) return Fail(entropy.status());
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response =
        client_->Renew(context->requested_security_token(),
                       crypto::AsBytes(context->requested_proof_token().binary_secret().value()),
                       request);
    if (!response.ok()) return Fail(response.status());
    return Remember(*std::move(response), *entropy);
  }

  int Cancel() {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context = LoadContext(StatePath());
    if (!context.ok()) return Fail(context.status());
    absl::StatusOr<sts::v1::CancelResponse> response =
        client_->Cancel(context->requested_security_token(),
                        crypto::AsBytes(context->requested_proof_token().binary_secret().value()));
    if (!response.ok()) return Fail(response.status());
    std::remove(StatePath().c_str());
    std::cout << "cancelled:  " << context->requested_security_token().identifier() << "\n";
    return 0;
  }

  int Validate() {
    sts::v1::SecurityContextToken target;
    if (!args_.Get("identifier").empty()) {
      target.set_identifier(args_.Get("identifier"));
    } else {
      absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context = LoadContext(StatePath());
      if (!context.ok()) return Fail(context.status());
      target = context->requested_security_token();
    }
    absl::StatusOr<sts::v1::ValidateResponse> response = client_->Validate(target);
    if (!response.ok()) return Fail(response.status());
    const bool valid = response->status().code() == wire::kStatusValid;
    std::cout << "status:     " << (valid ? "valid" : "invalid") << " ("
              << response->status().reason() << ")\n";
    if (valid) {
      std::cout << "identifier: " << response->token().identifier() << "\n"
                << "instance:   " << response->token().instance() << "\n"
                << "principal:  " << response->principal() << "\n"
                << "applies_to: " << response->applies_to() << "\n"
                << "expires:    " << FormatTimestamp(response->lifetime().expires()) << "\n"
                << "keys:       " << response->keys_size() << " released\n";
      if (args_.Has("show-key")) {
        for (const sts::v1::ContextKey& key : response->keys()) {
          std::cout << "key_hex:    instance " << key.instance() << " " << Hex(key.key()) << "\n";
        }
      }
    }
    return valid ? 0 : 3;
  }

  // --- messages (docs/PROTECTED_MESSAGE.md) ---------------------------------

  absl::StatusOr<protect::Direction> DirectionFlag() const {
    const std::string d = args_.Get("direction", "client-to-server");
    if (d == "client-to-server") return protect::Direction::kClientToServer;
    if (d == "server-to-client") return protect::Direction::kServerToClient;
    return absl::InvalidArgumentError(
        absl::StrCat("--direction: \"", d, "\" is neither client-to-server nor server-to-client"));
  }

  absl::StatusOr<std::string> ReadInput() const {
    const std::string path = args_.Get("in", "-");
    if (path == "-") {
      std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      return data;
    }
    return ReadFile(path);
  }

  absl::Status WriteOutput(const std::string& data) const {
    const std::string path = args_.Get("out", "-");
    if (path == "-") {
      std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
      std::cout.flush();
      return std::cout ? absl::OkStatus() : absl::InternalError("cannot write standard output");
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
  }

  // The remembered SCT's current instance, as keys.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> StoredKeys(
      sts::v1::RequestSecurityTokenResponse* stored) const {
    absl::StatusOr<sts::v1::RequestSecurityTokenResponse> context = LoadContext(StatePath());
    if (!context.ok()) return context.status();
    *stored = *std::move(context);
    auto info = std::make_shared<protect::ContextInfo>();
    info->identifier = stored->requested_security_token().identifier();
    info->cookie = stored->requested_security_token().cookie();
    info->principal = stored->principal();
    info->applies_to = stored->applies_to();
    return protect::InstanceKeys::Create(
        std::move(info), stored->requested_security_token().instance(),
        crypto::SecretBytes::FromString(stored->requested_proof_token().binary_secret().value()));
  }

  int Protect(bool seal) {
    absl::StatusOr<protect::Direction> direction = DirectionFlag();
    if (!direction.ok()) return Fail(direction.status());
    protect::DerivationOptions derivation;
    const std::string algorithm = args_.Get("derivation", "hkdf");
    if (algorithm == "psha1") {
      derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
      derivation.label = args_.Get("label");
      if (!args_.Get("generation").empty()) {
        uint64_t generation = 0;
        if (!absl::SimpleAtoi(args_.Get("generation"), &generation)) {
          return Fail(absl::InvalidArgumentError("--generation: not a number"));
        }
        derivation.generation = generation;
      }
    } else if (algorithm != "hkdf") {
      return Fail(absl::InvalidArgumentError("--derivation: hkdf or psha1"));
    }
    sts::v1::RequestSecurityTokenResponse stored;
    absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys = StoredKeys(&stored);
    if (!keys.ok()) return Fail(keys.status());
    const absl::Time now = absl::Now();
    if (now >= absl::FromUnixSeconds(stored.lifetime().expires().seconds())) {
      return Fail(wire::Refuse(wire::Refusal::kRenewNeeded,
                               "the remembered context has expired; run `stsctl renew`"));
    }
    absl::StatusOr<std::string> payload = ReadInput();
    if (!payload.ok()) return Fail(payload.status());
    sts::v1::ProtectedMessage message;
    // A new process per message: sequence numbers from the clock (in
    // microseconds) keep increasing across runs, as a receiver's window needs.
    protect::FillHeader(**keys, derivation,
                        seal ? sts::v1::ProtectedMessage::PROTECTION_SEAL
                             : sts::v1::ProtectedMessage::PROTECTION_SIGN,
                        *direction, static_cast<uint64_t>(absl::ToUnixMicros(now)), now, &message);
    *message.mutable_payload() = *std::move(payload);
    const std::string ad = args_.Get("ad");
    absl::Status s = seal ? protect::SealInPlace(**keys, &message, ad)
                          : protect::SignInPlace(**keys, &message, ad);
    if (!s.ok()) return Fail(s);
    std::string out = message.SerializeAsString();
    if (args_.Has("base64")) out = absl::Base64Escape(out) + "\n";
    if (absl::Status w = WriteOutput(out); !w.ok()) return Fail(w);
    return 0;
  }

  // Resolves keys from the remembered SCT: its one instance, until it expires.
  class StoredResolver final : public protect::KeyResolver {
   public:
    StoredResolver(std::shared_ptr<const protect::InstanceKeys> keys, absl::Time expires)
        : keys_(std::move(keys)), expires_(expires) {}
    absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
        const sts::v1::SecurityContextToken& token, absl::Time now) override {
      if (token.identifier() != keys_->identifier()) {
        return wire::Refuse(wire::Refusal::kUnknownContext,
                            "the message names another context than the remembered one");
      }
      if (token.instance() != keys_->instance()) {
        return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                            absl::StrCat("the remembered context holds instance ",
                                         keys_->instance(), ", the message names ",
                                         token.instance()));
      }
      if (now > expires_) return wire::Refuse(wire::Refusal::kRenewNeeded, "the context has expired");
      return keys_;
    }

   private:
    const std::shared_ptr<const protect::InstanceKeys> keys_;
    const absl::Time expires_;
  };

  int Check(bool open) {
    absl::StatusOr<protect::Direction> direction = DirectionFlag();
    if (!direction.ok()) return Fail(direction.status());
    absl::StatusOr<absl::Duration> window = DurationFlag(args_, "window", "5m");
    if (!window.ok()) return Fail(window.status());
    absl::StatusOr<std::string> input = ReadInput();
    if (!input.ok()) return Fail(input.status());
    std::string bytes = *std::move(input);
    if (args_.Has("base64")) {
      std::string decoded;
      if (!absl::Base64Unescape(absl::StripAsciiWhitespace(bytes), &decoded)) {
        return Fail(wire::Refuse(wire::Refusal::kMalformedRequest, "the input is not base64"));
      }
      bytes = std::move(decoded);
    }
    sts::v1::ProtectedMessage message;
    if (!message.ParseFromString(bytes)) {
      return Fail(wire::Refuse(wire::Refusal::kMalformedRequest,
                               "the input is not an sts.v1.ProtectedMessage"));
    }
    const std::string ad = args_.Get("ad");
    std::string payload;
    std::shared_ptr<const protect::ContextInfo> who;
    if (args_.Has("resolve")) {
      if (*direction != protect::Direction::kClientToServer) {
        return Fail(absl::InvalidArgumentError(
            "--resolve checks messages to a relying party (client-to-server) only"));
      }
      verifier::VerifierOptions options;
      options.receiver.timestamp_window = *window;
      verifier::Verifier verifier(context::StsApi::FromClient(client_), options);
      absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> verified =
          open ? verifier.Open(message, ad, &payload) : verifier.Verify(message, ad);
      if (!verified.ok()) return Fail(verified.status());
      who = *verified;
    } else {
      sts::v1::RequestSecurityTokenResponse stored;
      absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys = StoredKeys(&stored);
      if (!keys.ok()) return Fail(keys.status());
      StoredResolver resolver(*keys, absl::FromUnixSeconds(stored.lifetime().expires().seconds()));
      protect::ReceiverOptions options;
      options.timestamp_window = *window;
      protect::Receiver receiver(&resolver, Clock::Real(), options);
      absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> verified =
          open ? receiver.Open(message, ad, *direction, &payload)
               : receiver.Verify(message, ad, *direction);
      if (!verified.ok()) return Fail(verified.status());
      who = (*verified)->shared_info();
    }
    if (!open) payload = message.payload();
    std::fprintf(stderr, "stsctl: %s: context %s instance %s principal %s\n",
                 open ? "opened" : "verified", message.token().identifier().c_str(),
                 message.token().instance().c_str(), who->principal.c_str());
    if (absl::Status w = WriteOutput(payload); !w.ok()) return Fail(w);
    return 0;
  }

  int Health() {
    std::shared_ptr<grpc::Channel> channel;
    if (args_.Has("insecure")) {
      channel = grpc::CreateChannel(args_.Get("addr", "127.0.0.1:8443"),
                                    grpc::InsecureChannelCredentials());
    } else {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> secure = MakeMutualTlsChannel(Options());
      if (!secure.ok()) return Fail(secure.status());
      channel = *secure;
    }
    absl::StatusOr<absl::Duration> timeout = DurationFlag(args_, "timeout", "5s");
    if (!timeout.ok()) return Fail(timeout.status());
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(*timeout));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(args_.Get("service"));
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, request, &response);
    if (!status.ok()) return Fail(wire::FromGrpcStatus(status));
    std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
    return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }

  Args args_;
  std::shared_ptr<StsClient> client_;
};

}  // namespace
}  // namespace sts::stsctl

int main(int argc, char** argv) {
  using namespace sts::stsctl;
  absl::StatusOr<Args> args = ParseArgs(argc, argv, kValueFlags, kSwitchFlags);
  if (!args.ok()) {
    std::fprintf(stderr, "stsctl: %s\n", std::string(args.status().message()).c_str());
    return 2;
  }
  if (args->Has("help") || args->command.empty() || args->command == "help") {
    std::fputs(kUsage, args->command.empty() && !args->Has("help") ? stderr : stdout);
    return args->command.empty() && !args->Has("help") ? 2 : 0;
  }
  return Cli(*std::move(args)).Run();
}
