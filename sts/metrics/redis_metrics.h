#ifndef STS_METRICS_REDIS_METRICS_H_
#define STS_METRICS_REDIS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "sts/metrics/histogram.h"

namespace sts::metrics {

// Every Redis command the STS ran (redis::RedisClient::Options::on_command):
//   sts_redis_command_duration_seconds     histogram
//   sts_redis_command_failures_total       counter (no answer: timeout, lost connection)
// Whether Redis answers right now is StateCollector's sts_redis_up. Thread
// safe; OnCommand is a few relaxed atomics.
class RedisMetrics final : public prometheus::Collectable {
 public:
  void OnCommand(absl::Duration elapsed, bool answered);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  LatencyHistogram latency_{LatencyHistogram::RedisBounds()};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace sts::metrics

#endif  // STS_METRICS_REDIS_METRICS_H_
