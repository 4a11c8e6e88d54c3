#ifndef STS_CONFIG_CONFIG_H_
#define STS_CONFIG_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sts/config/sts_config.pb.h"
#include "sts/keyring/keyring.h"
#include "sts/token/token_service.h"

namespace sts::config {

// The most principals metrics.top_principals may name.
inline constexpr uint32_t kMaxTopPrincipals = 100;

// Reads a protobuf-text-format StsConfig. Unknown fields are errors, so a
// misspelt setting cannot silently fall back to a default.
absl::StatusOr<StsConfig> LoadConfigFile(const std::string& path);

// Fills every absent field with its default (so the effective configuration
// can be printed) and checks every value; the first problem found is returned
// with the field's name.
absl::Status ApplyDefaultsAndValidate(StsConfig* config);

// The typed settings the server's parts take, from a validated config.
struct Settings {
  token::TokenOptions tokens;
  keyring::Keyring::Limits keyring;
  absl::Duration clock_skew;
  absl::Duration sweep_interval;
  absl::Duration drain_timeout;
  absl::Duration tls_reload_interval;
  uint32_t replay_cache_entries = 0;
  uint32_t replay_entries_per_principal = 0;
  double proof_rate_per_principal = 0;
  uint32_t proof_burst_per_principal = 0;
  uint32_t completion_queues = 0;
  uint32_t max_request_bytes = 0;
  absl::Duration keyset_check_interval;
  absl::Duration redis_timeout;
  uint32_t redis_workers = 0;
  uint32_t redis_queue_limit = 0;
  uint64_t max_in_process_entries = 0;
  absl::Duration config_check_interval;
  uint32_t top_principals = 0;
};
absl::StatusOr<Settings> ResolveSettings(const StsConfig& config);

// What server.completion_queues = 0 resolves to: one per CPU the process may
// run on (its affinity), at least one.
uint32_t DefaultCompletionQueues();

// The dotted names of the fields whose values differ between two
// configurations ("tokens.max_lifetime", "policy"), in field order. Message
// fields are compared field by field, except `policy`, named as a whole.
// For a reload: what changed, and so what cannot be applied without a
// restart.
std::vector<std::string> ChangedFields(const StsConfig& before, const StsConfig& after);

}  // namespace sts::config

#endif  // STS_CONFIG_CONFIG_H_
