#ifndef STS_METRICS_CALL_METRICS_H_
#define STS_METRICS_CALL_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "sts/metrics/histogram.h"

namespace sts::metrics {

enum class Method { kIssue, kRenew, kCancel, kValidate, kAmend };
inline constexpr size_t kMethods = 5;
// The sts.v1 method `name` ("Issue", ...), or nullopt.
std::optional<Method> MethodNamed(absl::string_view name);

// Every answered call: how many by method and outcome, and how long each
// took. Exposed as
//   sts_rpcs_total{method, outcome, code, fault}   counter
//   sts_rpc_duration_seconds{method}               histogram
//   sts_quota_refusals_total{method}               counter (RESOURCE_EXHAUSTED)
// Labels come from fixed sets only (the methods, the gRPC codes, the fault
// table's names, "other" for anything else), so cardinality is bounded and
// no request content ever becomes a label.
//
// Record is the hot path: an array index and relaxed atomic increments, no
// lock and no allocation; the fault name is read only for refusals. Thread
// safe.
class CallMetrics final : public prometheus::Collectable {
 public:
  CallMetrics();

  void Record(Method method, const absl::Status& status, absl::Duration latency);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  static constexpr size_t kCodes = 17;  // absl::StatusCode 0..16
  static constexpr size_t kFaults = 10;
  struct alignas(64) PerMethod {
    std::array<std::atomic<uint64_t>, kCodes * kFaults> calls{};
    LatencyHistogram latency{LatencyHistogram::RpcBounds()};
  };
  std::array<std::unique_ptr<PerMethod>, kMethods> methods_;
};

}  // namespace sts::metrics

#endif  // STS_METRICS_CALL_METRICS_H_
