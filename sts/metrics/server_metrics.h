#ifndef STS_METRICS_SERVER_METRICS_H_
#define STS_METRICS_SERVER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sts/metrics/call_metrics.h"
#include "sts/metrics/endpoint.h"
#include "sts/metrics/redis_metrics.h"
#include "sts/metrics/reload_metrics.h"
#include "sts/metrics/state_collector.h"
#include "sts/metrics/top_principals.h"

namespace sts::metrics {

// Every metric of one STS and its listener, as sts/server uses them: built
// before the parts it observes (Redis takes redis()'s hook), served once
// they exist (Serve). README.md, "Operating the STS", lists the metrics.
// Thread safe.
class ServerMetrics {
 public:
  // `top_principals`: how many principals sts_issued_by_principal_total names.
  explicit ServerMetrics(size_t top_principals);
  ~ServerMetrics();

  // One answered call (the serving path: relaxed atomics, and a shard lock
  // for a successful Issue's principal).
  void Record(absl::string_view operation, const absl::StatusOr<std::string>& principal,
              const absl::Status& status, absl::Duration latency);

  RedisMetrics& redis() { return *redis_; }
  ReloadMetrics& reloads() { return *reloads_; }

  // Starts the listener on `address` with the state gauges of `sources`.
  absl::Status Serve(const std::string& address, StateSources sources);
  int port() const { return endpoint_ == nullptr ? 0 : endpoint_->port(); }
  // Stops the listener (before the parts StateSources borrows go away).
  void Stop() { endpoint_.reset(); }

 private:
  std::shared_ptr<CallMetrics> calls_;
  std::shared_ptr<TopPrincipals> principals_;
  std::shared_ptr<RedisMetrics> redis_;
  std::shared_ptr<ReloadMetrics> reloads_;
  std::shared_ptr<StateCollector> state_;
  std::unique_ptr<MetricsEndpoint> endpoint_;
};

}  // namespace sts::metrics

#endif  // STS_METRICS_SERVER_METRICS_H_
