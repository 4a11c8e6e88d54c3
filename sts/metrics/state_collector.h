#ifndef STS_METRICS_STATE_COLLECTOR_H_
#define STS_METRICS_STATE_COLLECTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/keyring/keyring.h"
#include "sts/redis/redis_client.h"
#include "sts/replay/in_memory_replay_cache.h"
#include "sts/replicas/replica_state.h"

namespace sts::metrics {

// The parts of a running STS whose state a scrape reads. Every pointer is
// borrowed (it must outlive the collector) and null when that part is not in
// this configuration; the collector only reads.
struct StateSources {
  bool stateless = false;
  const keyring::Keyring* keyring = nullptr;  // stateful mode
  keyring::Keyring::Limits keyring_limits;
  replay::InMemoryReplayCache* replay_cache = nullptr;  // without Redis
  uint64_t replay_cache_capacity = 0;
  replicas::InMemoryReplicaState* replica_state = nullptr;  // stateless without Redis
  uint64_t replica_state_capacity = 0;
  const cookie::CookieSealer* sealer = nullptr;  // stateless mode
  redis::RedisClient* redis = nullptr;
  std::string certificate_file;  // tls.cert_file
};

// Gauges read when Prometheus scrapes, never on the serving path:
//   sts_info{mode}                                       1
//   sts_keyring_live_contexts, ..._limit                 stateful mode
//   sts_keyring_retained_records, ..._limit
//   sts_keyring_key_slots
//   sts_replay_cache_entries, ..._capacity               in-process cache
//   sts_replica_state_entries, ..._capacity              stateless, no Redis
//   sts_master_key_primary_id, sts_master_keyset_keys    stateless mode
//   sts_master_key_primary_created_timestamp_seconds     when the keyset says
//   sts_redis_up                                         a PING, each scrape
//   sts_certificate_expiry_timestamp_seconds             tls.cert_file's leaf
// Nothing secret is read into a label or a value: counts, limits, key ids
// (which travel in the clear in every cookie) and times. A file that cannot
// be read leaves its gauge out of that scrape. Thread safe.
class StateCollector final : public prometheus::Collectable {
 public:
  explicit StateCollector(StateSources sources) : s_(std::move(sources)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  StateSources s_;
};

}  // namespace sts::metrics

#endif  // STS_METRICS_STATE_COLLECTOR_H_
