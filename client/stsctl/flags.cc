#include "client/stsctl/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/stsctl/state.h"
#include "client/wire/limits.h"

namespace sts::stsctl {

absl::StatusOr<absl::Duration> DurationFlag(const Args& args, const std::string& name,
                                            const std::string& fallback) {
  absl::Duration d;
  const std::string text = args.Get(name, fallback);
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": \"", text, "\" is not a duration (e.g. 90s, 30m, 2h)"));
  }
  return d;
}

absl::StatusOr<uint32_t> KeySizeFlag(const Args& args) {
  const std::string text = args.Get("key-size");
  if (text.empty()) return 0;
  uint32_t bits = 0;
  if (!absl::SimpleAtoi(text, &bits) || !wire::IsValidKeyBits(bits)) {
    return absl::InvalidArgumentError(absl::StrCat("--key-size: \"", text, "\" is not ",
                                                   wire::kMinKeyBits, "..", wire::kMaxKeyBits,
                                                   " bits in whole bytes"));
  }
  return bits;
}

absl::StatusOr<protect::Direction> DirectionFlag(const Args& args) {
  const std::string d = args.Get("direction", "client-to-server");
  if (d == "client-to-server") return protect::Direction::kClientToServer;
  if (d == "server-to-client") return protect::Direction::kServerToClient;
  return absl::InvalidArgumentError(
      absl::StrCat("--direction: \"", d, "\" is neither client-to-server nor server-to-client"));
}

absl::StatusOr<protect::DerivationOptions> DerivationFlags(const Args& args) {
  protect::DerivationOptions derivation;
  const std::string algorithm = args.Get("derivation", "hkdf");
  if (algorithm == "hkdf") {
    if (!args.Get("label").empty() || !args.Get("generation").empty()) {
      return absl::InvalidArgumentError("--label and --generation need --derivation psha1");
    }
    return derivation;
  }
  if (algorithm != "psha1") {
    return absl::InvalidArgumentError(
        absl::StrCat("--derivation: \"", algorithm, "\" is neither hkdf nor psha1"));
  }
  derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
  derivation.label = args.Get("label");
  if (const std::string text = args.Get("generation"); !text.empty()) {
    uint64_t generation = 0;
    if (!absl::SimpleAtoi(text, &generation)) {
      return absl::InvalidArgumentError(absl::StrCat("--generation: \"", text, "\" is not a number"));
    }
    derivation.generation = generation;
  }
  return derivation;
}

ChannelOptions ChannelFlags(const Args& args) {
  ChannelOptions o;
  o.address = args.Get("addr", "127.0.0.1:8443");
  o.ca_file = args.Get("ca", ".dev/pki/ca.pem");
  o.cert_file = args.Get("cert", ".dev/pki/client.pem");
  o.key_file = args.Get("key", ".dev/pki/client.key");
  o.server_name = args.Get("server-name");
  return o;
}

std::string StatePath(const Args& args) { return args.Get("state", DefaultStatePath()); }

}  // namespace sts::stsctl
