#include "sts/metrics/server_metrics.h"

namespace sts::metrics {

ServerMetrics::ServerMetrics(size_t top_principals)
    : calls_(std::make_shared<CallMetrics>()),
      principals_(std::make_shared<TopPrincipals>(top_principals)),
      redis_(std::make_shared<RedisMetrics>()),
      reloads_(std::make_shared<ReloadMetrics>()) {}

ServerMetrics::~ServerMetrics() { Stop(); }

void ServerMetrics::Record(absl::string_view operation,
                           const absl::StatusOr<std::string>& principal,
                           const absl::Status& status, absl::Duration latency) {
  const std::optional<Method> method = MethodNamed(operation);
  if (!method) return;
  calls_->Record(*method, status, latency);
  if (*method == Method::kIssue && status.ok() && principal.ok()) principals_->Add(*principal);
}

absl::Status ServerMetrics::Serve(const std::string& address, StateSources sources) {
  const bool with_redis = sources.redis != nullptr;
  state_ = std::make_shared<StateCollector>(std::move(sources));
  std::vector<std::shared_ptr<prometheus::Collectable>> all = {calls_, principals_, reloads_,
                                                               state_};
  if (with_redis) all.push_back(redis_);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(address, all);
  if (!endpoint.ok()) return endpoint.status();
  endpoint_ = *std::move(endpoint);
  return absl::OkStatus();
}

}  // namespace sts::metrics
