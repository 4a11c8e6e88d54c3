#ifndef STS_METRICS_HISTOGRAM_H_
#define STS_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/client_metric.h"

namespace sts::metrics {

// A latency histogram for the serving path: Observe is a search over a few
// fixed bounds and two relaxed atomic increments, no lock (prometheus-cpp's
// own Histogram takes a mutex per observation). A scrape reads the buckets
// one by one, so it may see an observation in the count and not yet in the
// sum: Prometheus tolerates that, and nothing here decides on it. Thread
// safe.
class LatencyHistogram {
 public:
  // `bounds`: upper bounds in seconds, ascending; +Inf is implied.
  explicit LatencyHistogram(std::vector<double> bounds);

  void Observe(absl::Duration elapsed);
  // Cumulative buckets (with +Inf), count and sum in seconds.
  prometheus::ClientMetric::Histogram Snapshot() const;

  // Bounds for one RPC (100 µs .. 5 s) and one Redis command (50 µs .. 1 s).
  static std::vector<double> RpcBounds();
  static std::vector<double> RedisBounds();

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> bounds_ns_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace sts::metrics

#endif  // STS_METRICS_HISTOGRAM_H_
