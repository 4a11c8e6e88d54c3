#include "sts/metrics/state_collector.h"

#include "client/crypto/certificate.h"
#include "client/files.h"
#include "sts/metrics/families.h"

namespace sts::metrics {
namespace {

using prometheus::MetricType;

void Gauge(std::vector<prometheus::MetricFamily>* out, const char* name, const char* help,
           double value, const Labels& labels = {}) {
  out->push_back(Family(name, help, MetricType::Gauge));
  AddGauge(&out->back(), labels, value);
}

}  // namespace

std::vector<prometheus::MetricFamily> StateCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  Gauge(&out, "sts_info", "the store mode this STS runs in", 1,
        {{"mode", s_.stateless ? "stateless" : "stateful"}});
  if (s_.keyring != nullptr && !s_.stateless) {
    const keyring::Keyring::Stats k = s_.keyring->stats();
    Gauge(&out, "sts_keyring_live_contexts", "live contexts in the keyring",
          static_cast<double>(k.live));
    Gauge(&out, "sts_keyring_live_contexts_limit", "tokens.max_tokens_total",
          static_cast<double>(s_.keyring_limits.max_live_tokens));
    Gauge(&out, "sts_keyring_retained_records",
          "cancelled and expired records kept (keys destroyed) to answer precisely",
          static_cast<double>(k.retained));
    Gauge(&out, "sts_keyring_retained_records_limit", "tokens.max_retained_tokens",
          static_cast<double>(s_.keyring_limits.max_retained_tokens));
    Gauge(&out, "sts_keyring_key_slots", "key slots in use (current and rolling-over keys)",
          static_cast<double>(k.key_slots));
  }
  if (s_.replay_cache != nullptr) {
    Gauge(&out, "sts_replay_cache_entries", "proofs of possession remembered in process",
          static_cast<double>(s_.replay_cache->size()));
    Gauge(&out, "sts_replay_cache_capacity", "tokens.replay_cache_entries",
          static_cast<double>(s_.replay_cache_capacity));
  }
  if (s_.replica_state != nullptr) {
    Gauge(&out, "sts_replica_state_entries",
          "renewed or cancelled stateless contexts remembered in process",
          static_cast<double>(s_.replica_state->size()));
    Gauge(&out, "sts_replica_state_capacity", "stateless.max_in_process_entries",
          static_cast<double>(s_.replica_state_capacity));
  }
  if (s_.sealer != nullptr) {
    const std::shared_ptr<const cookie::MasterKeyset> keyset = s_.sealer->keyset();
    Gauge(&out, "sts_master_key_primary_id", "id of the master key new cookies are sealed under",
          keyset->primary_id());
    Gauge(&out, "sts_master_keyset_keys", "master keys loaded (primary and others still opening)",
          static_cast<double>(keyset->size()));
    if (const std::optional<absl::Time> created = keyset->primary_created(); created) {
      Gauge(&out, "sts_master_key_primary_created_timestamp_seconds",
            "when the primary master key was made (sts_keyset add), Unix seconds",
            static_cast<double>(absl::ToUnixSeconds(*created)));
    }
  }
  if (s_.redis != nullptr) {
    const bool up = s_.redis->Run({"PING"}).ok();
    Gauge(&out, "sts_redis_up", "1 when Redis answered a PING at this scrape", up ? 1 : 0);
  }
  if (!s_.certificate_file.empty()) {
    absl::StatusOr<std::string> pem = ReadFile(s_.certificate_file);
    absl::StatusOr<absl::Time> not_after =
        pem.ok() ? crypto::CertificateNotAfter(*pem) : absl::StatusOr<absl::Time>(pem.status());
    if (not_after.ok()) {
      Gauge(&out, "sts_certificate_expiry_timestamp_seconds",
            "notAfter of the STS's own certificate (tls.cert_file), Unix seconds",
            static_cast<double>(absl::ToUnixSeconds(*not_after)));
    }
  }
  return out;
}

}  // namespace sts::metrics
