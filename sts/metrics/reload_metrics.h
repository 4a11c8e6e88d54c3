#ifndef STS_METRICS_RELOAD_METRICS_H_
#define STS_METRICS_RELOAD_METRICS_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "prometheus/collectable.h"

namespace sts::metrics {

// What the STS made of its files when they changed:
//   sts_reloads_total{file="config"|"keyset", result="applied"|"rejected"}  counter
//   sts_config_restart_pending                                              gauge
// The gauge is 1 while the configuration file differs from the running one
// in a field that only a restart applies (README.md, "Operating the STS").
// Thread safe.
class ReloadMetrics final : public prometheus::Collectable {
 public:
  enum class File { kConfig, kKeyset };
  void Applied(File file);
  void Rejected(File file);
  void SetRestartPending(bool pending);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::atomic<uint64_t> applied_[2] = {};
  std::atomic<uint64_t> rejected_[2] = {};
  std::atomic<bool> restart_pending_{false};
};

}  // namespace sts::metrics

#endif  // STS_METRICS_RELOAD_METRICS_H_
