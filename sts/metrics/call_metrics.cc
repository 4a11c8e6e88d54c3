#include "sts/metrics/call_metrics.h"

#include <string>

#include "client/wire/fault.h"
#include "sts/metrics/families.h"

namespace sts::metrics {
namespace {

constexpr absl::string_view kMethodNames[kMethods] = {"Issue", "Renew", "Cancel", "Validate",
                                                      "Amend"};

// Index 0 is "none" (success, or a status without a fault); the last is
// "other" (a fault outside the table). The rest are the fault table's names
// (client/wire/fault.cc).
constexpr absl::string_view kFaultNames[] = {
    "none",
    "wst:InvalidRequest",
    "wst:FailedAuthentication",
    "wst:ExpiredData",
    "wsc:UnknownDerivationSource",
    "wst:RequestFailed",
    "wsc:BadContextToken",
    "wst:InvalidSecurityToken",
    "wsc:RenewNeeded",
    "other",
};

size_t FaultIndex(const absl::Status& status) {
  if (status.ok()) return 0;
  const std::string name = wire::FaultNameOf(status);
  if (name.empty()) return 0;
  for (size_t i = 1; i + 1 < std::size(kFaultNames); ++i) {
    if (name == kFaultNames[i]) return i;
  }
  return std::size(kFaultNames) - 1;
}

}  // namespace

std::optional<Method> MethodNamed(absl::string_view name) {
  for (size_t i = 0; i < kMethods; ++i) {
    if (name == kMethodNames[i]) return static_cast<Method>(i);
  }
  return std::nullopt;
}

CallMetrics::CallMetrics() {
  static_assert(std::size(kFaultNames) == kFaults);
  for (auto& m : methods_) m = std::make_unique<PerMethod>();
}

void CallMetrics::Record(Method method, const absl::Status& status, absl::Duration latency) {
  PerMethod& m = *methods_[static_cast<size_t>(method)];
  size_t code = static_cast<size_t>(status.code());
  if (code >= kCodes) code = static_cast<size_t>(absl::StatusCode::kUnknown);
  m.calls[code * kFaults + FaultIndex(status)].fetch_add(1, std::memory_order_relaxed);
  m.latency.Observe(latency);
}

std::vector<prometheus::MetricFamily> CallMetrics::Collect() const {
  auto calls = Family("sts_rpcs_total",
                      "sts.v1 calls answered, by method, outcome, gRPC code and WS-Trust fault",
                      prometheus::MetricType::Counter);
  auto quota = Family("sts_quota_refusals_total",
                      "calls refused for a quota or a full cache (RESOURCE_EXHAUSTED), by method",
                      prometheus::MetricType::Counter);
  auto latency = Family("sts_rpc_duration_seconds",
                        "time from a call's arrival at the STS to its answer, by method",
                        prometheus::MetricType::Histogram);
  for (size_t i = 0; i < kMethods; ++i) {
    const PerMethod& m = *methods_[i];
    const std::string method(kMethodNames[i]);
    uint64_t exhausted = 0;
    for (size_t code = 0; code < kCodes; ++code) {
      for (size_t fault = 0; fault < kFaults; ++fault) {
        const uint64_t n = m.calls[code * kFaults + fault].load(std::memory_order_relaxed);
        // Success is always present (so rates start from a sample); a
        // refusal appears once it happened.
        if (n == 0 && code != 0) continue;
        if (code == 0 && fault != 0) continue;
        const auto status_code = static_cast<absl::StatusCode>(code);
        if (status_code == absl::StatusCode::kResourceExhausted) exhausted += n;
        AddCounter(&calls,
                   {{"method", method},
                    {"outcome", code == 0 ? "ok" : "refused"},
                    {"code", absl::StatusCodeToString(status_code)},
                    {"fault", std::string(kFaultNames[fault])}},
                   static_cast<double>(n));
      }
    }
    AddCounter(&quota, {{"method", method}}, static_cast<double>(exhausted));
    AddHistogram(&latency, {{"method", method}}, m.latency.Snapshot());
  }
  return {std::move(calls), std::move(quota), std::move(latency)};
}

}  // namespace sts::metrics
