#include "sts/metrics/reload_metrics.h"

#include "sts/metrics/families.h"

namespace sts::metrics {

void ReloadMetrics::Applied(File file) {
  applied_[static_cast<int>(file)].fetch_add(1, std::memory_order_relaxed);
}

void ReloadMetrics::Rejected(File file) {
  rejected_[static_cast<int>(file)].fetch_add(1, std::memory_order_relaxed);
}

void ReloadMetrics::SetRestartPending(bool pending) {
  restart_pending_.store(pending, std::memory_order_relaxed);
}

std::vector<prometheus::MetricFamily> ReloadMetrics::Collect() const {
  auto reloads = Family("sts_reloads_total",
                        "changed files re-read: applied, or rejected (the running version stays)",
                        prometheus::MetricType::Counter);
  const char* names[] = {"config", "keyset"};
  for (int i = 0; i < 2; ++i) {
    AddCounter(&reloads, {{"file", names[i]}, {"result", "applied"}},
               static_cast<double>(applied_[i].load(std::memory_order_relaxed)));
    AddCounter(&reloads, {{"file", names[i]}, {"result", "rejected"}},
               static_cast<double>(rejected_[i].load(std::memory_order_relaxed)));
  }
  auto pending = Family("sts_config_restart_pending",
                        "1 while the configuration file changes a setting only a restart applies",
                        prometheus::MetricType::Gauge);
  AddGauge(&pending, {}, restart_pending_.load(std::memory_order_relaxed) ? 1 : 0);
  return {std::move(reloads), std::move(pending)};
}

}  // namespace sts::metrics
