// The configuration file parser (sts/config/config.h), as sts_server reads
// its --config file: LoadConfigFile (text format, unknown fields refused),
// ApplyDefaultsAndValidate, ResolveSettings, and the policy section through
// policy::Policy::FromConfig. The input is the file's text, written to a
// scratch file (the loader's interface is a path).
//
// Checks: ResolveSettings accepts exactly what ApplyDefaultsAndValidate
// accepts; the effective configuration (what --print_config prints) loads
// back to itself and validates unchanged; resolved settings keep
// min <= default <= max lifetime; an accepted policy lets a rule's exact
// principal obtain a context for the rule's exact audience, and gives a
// validate rule's exact principal some access.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "client/wire/limits.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "sts/config/config.h"
#include "sts/config/sts_config.pb.h"
#include "sts/policy/policy.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/scratch_file.h"

namespace sts::fuzz {
namespace {

bool Exact(const std::string& pattern) { return pattern.empty() || pattern.back() != '*'; }

void CheckPolicy(const sts::config::PolicyConfig& config) {
  absl::StatusOr<policy::Policy> policy = policy::Policy::FromConfig(config);
  Trace("policy", policy.status());
  if (!policy.ok()) return;
  for (const sts::config::IssueRule& rule : config.issue()) {
    for (const std::string& principal : rule.principal()) {
      for (const std::string& audience : rule.applies_to()) {
        if (Exact(principal) && Exact(audience)) {
          Require(policy->MayIssue(principal, audience),
                  "an issue rule lets its own principal obtain its own audience");
        }
      }
    }
  }
  for (const sts::config::ValidateRule& rule : config.validate()) {
    for (const std::string& principal : rule.principal()) {
      if (!Exact(principal)) continue;
      const policy::Policy::ValidateAccess access = policy->ValidateAccessFor(principal);
      Require(access != policy::Policy::ValidateAccess::kDenied,
              "a validate rule gives its own principal access");
      if (rule.release_keys_to_audience()) {
        Require(access == policy::Policy::ValidateAccess::kKeysAsAudience,
                "a releasing validate rule releases keys to its principal");
      }
    }
  }
}

void CheckEffective(const sts::config::StsConfig& effective, ScratchFile& file) {
  std::string text;
  Require(google::protobuf::TextFormat::PrintToString(effective, &text),
          "the effective configuration prints");
  file.Write(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  absl::StatusOr<sts::config::StsConfig> reloaded = sts::config::LoadConfigFile(file.path());
  Require(reloaded.ok(), "the printed effective configuration loads", reloaded.status());
  Require(google::protobuf::util::MessageDifferencer::Equals(*reloaded, effective),
          "the printed effective configuration loads to itself");
  sts::config::StsConfig again = *reloaded;
  const absl::Status revalidated = sts::config::ApplyDefaultsAndValidate(&again);
  Require(revalidated.ok(), "the effective configuration validates", revalidated);
  Require(google::protobuf::util::MessageDifferencer::Equals(again, effective),
          "defaults are applied once: validating again changes nothing");
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  static ScratchFile* file = new ScratchFile("config_fuzzer");
  file->Write(data, size);
  absl::StatusOr<config::StsConfig> loaded = config::LoadConfigFile(file->path());
  Trace("load", loaded.status());
  if (!loaded.ok()) return 0;
  CheckPolicy(loaded->policy());

  config::StsConfig effective = *loaded;
  const absl::Status valid = config::ApplyDefaultsAndValidate(&effective);
  Trace("validate", valid);
  const absl::StatusOr<config::Settings> settings = config::ResolveSettings(*loaded);
  Require(settings.ok() == valid.ok(), "ResolveSettings accepts what validation accepts",
          settings.ok() ? valid : settings.status());
  if (!valid.ok()) return 0;
  CheckEffective(effective, *file);
  const token::TokenOptions& t = settings->tokens;
  Require(t.min_lifetime <= t.default_lifetime && t.default_lifetime <= t.max_lifetime,
          "resolved lifetimes are ordered");
  Require(wire::IsValidKeyBits(t.default_key_bits), "the resolved key size is valid");
  Require(settings->completion_queues > 0, "at least one completion queue");
  return 0;
}
