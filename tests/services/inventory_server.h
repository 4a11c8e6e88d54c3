// The example relying party: the Inventory service behind the server-side
// wrapper (client/grpc/protected_service.h). Its handlers are plain
// business logic; the wrapper has verified each call before they run, and
// they learn the caller's principal from CurrentCaller().
#ifndef STS_TESTS_SERVICES_INVENTORY_SERVER_H_
#define STS_TESTS_SERVICES_INVENTORY_SERVER_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "client/verifier/verifier.h"
#include "example/v1/inventory.grpc.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"

namespace sts::example {

class InventoryService final : public ::example::v1::Inventory::Service {
 public:
  explicit InventoryService(std::map<std::string, uint32_t> stock) : stock_(std::move(stock)) {}

  grpc::Status Reserve(grpc::ServerContext* context, const ::example::v1::ReserveRequest* request,
                       ::example::v1::ReserveReply* reply) override;
  grpc::Status Stock(grpc::ServerContext* context, const ::example::v1::StockRequest* request,
                     ::example::v1::StockReply* reply) override;

  // How many times a handler ran: a refused call must not count.
  int handled() const { return handled_.load(); }

 private:
  std::mutex mu_;
  std::map<std::string, uint32_t> stock_;  // guarded by mu_
  std::atomic<int> handled_{0};
};

// The service, its protecting wrapper and a sync gRPC server on a free port.
class InventoryServer {
 public:
  static absl::StatusOr<std::unique_ptr<InventoryServer>> Start(
      std::shared_ptr<grpc::ServerCredentials> credentials,
      std::shared_ptr<verifier::Verifier> verifier, std::map<std::string, uint32_t> stock);
  ~InventoryServer();

  int port() const { return port_; }
  const InventoryService& service() const { return service_; }
  void Shutdown();

 private:
  explicit InventoryServer(std::map<std::string, uint32_t> stock) : service_(std::move(stock)) {}

  InventoryService service_;
  std::unique_ptr<grpc::Service> protected_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace sts::example

#endif  // STS_TESTS_SERVICES_INVENTORY_SERVER_H_
