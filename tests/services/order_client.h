// The example client: an order service that reserves stock from the
// Inventory relying party. It holds a SecurityContext for that audience and
// talks through a protected channel (client/grpc/client_interceptor.h); its
// own code never sees a key or a MAC.
#ifndef STS_TESTS_SERVICES_ORDER_CLIENT_H_
#define STS_TESTS_SERVICES_ORDER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/context/security_context.h"
#include "example/v1/inventory.grpc.pb.h"
#include "grpcpp/security/credentials.h"

namespace sts::example {

class OrderClient {
 public:
  OrderClient(const std::string& inventory_address,
              std::shared_ptr<grpc::ChannelCredentials> credentials,
              std::shared_ptr<context::SecurityContext> context);

  // Refusals come back as absl::Status with the WS-Trust fault, if any.
  absl::StatusOr<::example::v1::ReserveReply> Reserve(const std::string& item, uint32_t quantity);
  absl::StatusOr<::example::v1::StockReply> Stock(const std::string& item);

 private:
  std::unique_ptr<::example::v1::Inventory::Stub> stub_;
};

}  // namespace sts::example

#endif  // STS_TESTS_SERVICES_ORDER_CLIENT_H_
