#include "client/stsctl/soap_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/clock.h"
#include "client/context/sts_api.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/instance_keys.h"
#include "client/soap/soap.h"
#include "client/soap/wstrust_xml.h"
#include "client/files.h"
#include "client/stsctl/state.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"

namespace sts::stsctl {

const std::set<std::string> kSoapValueFlags = {"suite", "reference", "cipher"};
const std::set<std::string> kSoapSwitchFlags = {"xml"};

const char kSoapUsage[] = R"(
SOAP (WS-Security with WS-SecureConversation derived keys; client/soap):
  stsctl soap sign      add a wsse:Security header (Timestamp, SCT, DerivedKeyToken,
                        XML Signature over Body and Timestamp) to a SOAP envelope
  stsctl soap encrypt   encrypt the envelope's Body content (XML Encryption)
  stsctl soap verify    check a signed envelope (decrypting first if needed);
                        write the verified Body content; exit 0 only if it verifies
  stsctl soap decrypt   decrypt an envelope's Body; write the envelope
  --in FILE / --out FILE  envelope in and result out (default stdin / stdout)
  --suite NAME          Basic256Sha256 (default) or Basic256
  --reference MODE      sign, encrypt: embedded (default: the SCT travels in the
                        header) or identifier (referenced by its Identifier URI)
  --cipher NAME         encrypt: aes256-cbc (default, as the suites define) or
                        aes256-gcm
  --generation N        sign, encrypt: the DerivedKeyToken's wsc:Generation
  --resolve             verify, decrypt: as the relying party, keys through
                        Validate (connection flags name the audience)
  --window DURATION     verify, decrypt: accepted clock difference (default 5m)
  stsctl issue --xml    print the Issue response as WS-Trust 1.3 XML (the key
                        only with --show-key)
)";

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "stsctl: %s\n", std::string(status.message()).c_str());
  const std::string fault = wire::FaultNameOf(status);
  if (!fault.empty() && status.message().find(fault) == absl::string_view::npos) {
    std::fprintf(stderr, "stsctl: fault %s\n", fault.c_str());
  }
  return 1;
}

int Usage(const std::string& what) {
  std::fprintf(stderr, "stsctl: %s (see stsctl --help)\n", what.c_str());
  return 2;
}

absl::StatusOr<std::string> Input(const Args& args) {
  const std::string path = args.Get("in", "-");
  if (path == "-") {
    return std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  }
  return ReadFile(path);
}

absl::Status Output(const Args& args, const std::string& data) {
  const std::string path = args.Get("out", "-");
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

// The remembered SCT's current instance, and when it expires.
struct Stored {
  std::shared_ptr<const protect::InstanceKeys> keys;
  absl::Time expires;
};

absl::StatusOr<Stored> LoadStored(const Args& args) {
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r =
      LoadContext(args.Get("state", DefaultStatePath()));
  if (!r.ok()) return r.status();
  auto info = std::make_shared<protect::ContextInfo>();
  info->identifier = r->requested_security_token().identifier();
  info->cookie = r->requested_security_token().cookie();
  info->principal = r->principal();
  info->applies_to = r->applies_to();
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys = protect::InstanceKeys::Create(
      std::move(info), r->requested_security_token().instance(),
      crypto::SecretBytes::FromString(r->requested_proof_token().binary_secret().value()));
  if (!keys.ok()) return keys.status();
  return Stored{*std::move(keys), wire::TimeOf(r->lifetime().expires())};
}

// The remembered SCT as a receiver's key source: its one instance, until it expires.
class StoredResolver final : public soap::SctKeyResolver {
 public:
  explicit StoredResolver(Stored stored) : stored_(std::move(stored)) {}
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token) override {
    if (token.identifier() != stored_.keys->identifier()) {
      return wire::Refuse(wire::Refusal::kUnknownContext,
                          "the message names another context than the remembered one");
    }
    if (!token.instance().empty() && token.instance() != stored_.keys->instance()) {
      return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                          absl::StrCat("the remembered context holds instance ",
                                       stored_.keys->instance()));
    }
    if (absl::Now() > stored_.expires) {
      return wire::Refuse(wire::Refusal::kRenewNeeded, "the context has expired");
    }
    return stored_.keys;
  }

 private:
  const Stored stored_;
};

absl::StatusOr<soap::AlgorithmSuite> SuiteFlag(const Args& args) {
  const std::string suite = args.Get("suite", "Basic256Sha256");
  if (suite == "Basic256Sha256") return soap::AlgorithmSuite::kBasic256Sha256;
  if (suite == "Basic256") return soap::AlgorithmSuite::kBasic256;
  return absl::InvalidArgumentError("--suite: Basic256Sha256 or Basic256");
}

absl::StatusOr<soap::SctReference> ReferenceFlag(const Args& args) {
  const std::string mode = args.Get("reference", "embedded");
  if (mode == "embedded") return soap::SctReference::kEmbedded;
  if (mode == "identifier") return soap::SctReference::kByIdentifier;
  return absl::InvalidArgumentError("--reference: embedded or identifier");
}

absl::StatusOr<std::optional<uint64_t>> GenerationFlag(const Args& args) {
  if (args.Get("generation").empty()) return std::optional<uint64_t>();
  uint64_t generation = 0;
  if (!absl::SimpleAtoi(args.Get("generation"), &generation)) {
    return absl::InvalidArgumentError("--generation: not a number");
  }
  return std::optional<uint64_t>(generation);
}

int Protect(const Args& args, bool encrypt) {
  absl::StatusOr<soap::AlgorithmSuite> suite = SuiteFlag(args);
  if (!suite.ok()) return Fail(suite.status());
  absl::StatusOr<soap::SctReference> reference = ReferenceFlag(args);
  if (!reference.ok()) return Fail(reference.status());
  absl::StatusOr<std::optional<uint64_t>> generation = GenerationFlag(args);
  if (!generation.ok()) return Fail(generation.status());
  absl::StatusOr<Stored> stored = LoadStored(args);
  if (!stored.ok()) return Fail(stored.status());
  if (absl::Now() >= stored->expires) {
    return Fail(wire::Refuse(wire::Refusal::kRenewNeeded,
                             "the remembered context has expired; run `stsctl renew`"));
  }
  absl::StatusOr<std::string> envelope = Input(args);
  if (!envelope.ok()) return Fail(envelope.status());
  absl::StatusOr<std::string> out;
  if (encrypt) {
    soap::EncryptOptions o;
    o.suite = *suite;
    o.sct_reference = *reference;
    o.generation = *generation;
    const std::string cipher = args.Get("cipher", "aes256-cbc");
    if (cipher == "aes256-gcm") {
      o.cipher = soap::BodyCipher::kAes256Gcm;
    } else if (cipher != "aes256-cbc") {
      return Fail(absl::InvalidArgumentError("--cipher: aes256-cbc or aes256-gcm"));
    }
    out = soap::Encrypt(*envelope, *stored->keys, o);
  } else {
    soap::SignOptions o;
    o.suite = *suite;
    o.sct_reference = *reference;
    o.generation = *generation;
    out = soap::Sign(*envelope, *stored->keys, o);
  }
  if (!out.ok()) return Fail(out.status());
  if (absl::Status s = Output(args, *out); !s.ok()) return Fail(s);
  return 0;
}

int Check(const Args& args, bool decrypt, const ChannelOptions& channel, absl::Duration timeout) {
  absl::StatusOr<soap::AlgorithmSuite> suite = SuiteFlag(args);
  if (!suite.ok()) return Fail(suite.status());
  soap::ReceiverOptions options;
  options.suite = *suite;
  absl::Duration window;
  if (!absl::ParseDuration(args.Get("window", "5m"), &window)) {
    return Fail(absl::InvalidArgumentError("--window: not a duration"));
  }
  options.timestamp_window = window;
  std::shared_ptr<soap::SctKeyResolver> resolver;
  if (args.Has("resolve")) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = MakeMutualTlsChannel(channel);
    if (!ch.ok()) return Fail(ch.status());
    auto client = std::make_shared<StsClient>(*ch, Clock::Real(), timeout);
    resolver = soap::RelyingPartyResolver(
        std::make_shared<verifier::Verifier>(context::StsApi::FromClient(client)));
  } else {
    absl::StatusOr<Stored> stored = LoadStored(args);
    if (!stored.ok()) return Fail(stored.status());
    resolver = std::make_shared<StoredResolver>(*std::move(stored));
  }
  absl::StatusOr<std::string> envelope = Input(args);
  if (!envelope.ok()) return Fail(envelope.status());
  soap::Receiver receiver(resolver, options);
  absl::StatusOr<soap::Received> r = decrypt ? receiver.Decrypt(*envelope) : receiver.Verify(*envelope);
  if (!r.ok()) return Fail(r.status());
  std::fprintf(stderr, "stsctl: %s: context %s principal %s\n", decrypt ? "decrypted" : "verified",
               r->context->identifier.c_str(), r->context->principal.c_str());
  if (absl::Status s = Output(args, decrypt ? r->envelope : r->body); !s.ok()) return Fail(s);
  return 0;
}

}  // namespace

int RunSoapCommand(const Args& args, const ChannelOptions& channel, absl::Duration timeout) {
  if (args.positional.size() != 1) return Usage("soap needs one of sign, verify, encrypt, decrypt");
  const std::string& sub = args.positional[0];
  if (sub == "sign") return Protect(args, false);
  if (sub == "encrypt") return Protect(args, true);
  if (sub == "verify") return Check(args, false, channel, timeout);
  if (sub == "decrypt") return Check(args, true, channel, timeout);
  return Usage(absl::StrCat("unknown soap subcommand \"", sub, "\""));
}

std::string IssueResponseXmlText(const sts::v1::RequestSecurityTokenResponse& response,
                                 bool show_key) {
  soap::RstrXmlOptions options;
  options.include_proof_key = show_key;
  return soap::IssueResponseXml(response, options);
}

}  // namespace sts::stsctl
