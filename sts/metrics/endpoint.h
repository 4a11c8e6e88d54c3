#ifndef STS_METRICS_ENDPOINT_H_
#define STS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"

namespace prometheus {
class Exposer;
}

namespace sts::metrics {

// The metrics listener: plaintext HTTP serving GET /metrics in Prometheus's
// text format (prometheus-cpp's pull exposer, on civetweb), two threads of
// its own. It has no authentication and no TLS: bind it to loopback or a
// pod-internal address and put TLS in front (README.md, "Operating the
// STS"). Every scrape asks each collectable afresh. Thread safe.
class MetricsEndpoint {
 public:
  // `address`: "host:port" (port 0: any free port), or a bare port / ":port",
  // which binds 127.0.0.1. The collectables are borrowed: they must outlive
  // the endpoint. An address that cannot be bound is an error
  // (UNAVAILABLE), never an exception.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables);
  ~MetricsEndpoint();  // stops serving

  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// The address Start binds for `address` (the loopback default filled in).
std::string MetricsBindAddress(const std::string& address);

}  // namespace sts::metrics

#endif  // STS_METRICS_ENDPOINT_H_
