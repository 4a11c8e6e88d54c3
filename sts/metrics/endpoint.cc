#include "sts/metrics/endpoint.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"

namespace sts::metrics {

std::string MetricsBindAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return "127.0.0.1:" + address;
  if (colon == 0) return "127.0.0.1" + address;
  return address;
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  const std::string bind = MetricsBindAddress(address);
  const std::string port = bind.substr(bind.rfind(':') + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
      bind.size() == port.size() + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics.listen_address \"", address, "\" is not host:port"));
  }
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  try {
    // civetweb reads "[host:]port"; IPv6 hosts are spelt "[::1]:9090".
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(bind, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", bind, " (address in use?): ", e.what()));
  }
  for (const auto& c : collectables) endpoint->exposer_->RegisterCollectable(c);
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", bind));
  endpoint->port_ = ports.front();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

}  // namespace sts::metrics
