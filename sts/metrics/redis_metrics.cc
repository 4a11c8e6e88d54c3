#include "sts/metrics/redis_metrics.h"

#include "sts/metrics/families.h"

namespace sts::metrics {

void RedisMetrics::OnCommand(absl::Duration elapsed, bool answered) {
  latency_.Observe(elapsed);
  if (!answered) failures_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<prometheus::MetricFamily> RedisMetrics::Collect() const {
  auto latency = Family("sts_redis_command_duration_seconds",
                        "time each Redis command took, answered or not",
                        prometheus::MetricType::Histogram);
  AddHistogram(&latency, {}, latency_.Snapshot());
  auto failures = Family("sts_redis_command_failures_total",
                         "Redis commands that got no answer (unreachable, timed out, connection lost)",
                         prometheus::MetricType::Counter);
  AddCounter(&failures, {}, static_cast<double>(failures_.load(std::memory_order_relaxed)));
  return {std::move(latency), std::move(failures)};
}

}  // namespace sts::metrics
