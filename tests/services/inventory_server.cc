#include "tests/services/inventory_server.h"

#include <chrono>

#include "client/grpc/protected_service.h"
#include "grpcpp/server_builder.h"

namespace sts::example {

using ::example::v1::ReserveReply;
using ::example::v1::ReserveRequest;
using ::example::v1::StockReply;
using ::example::v1::StockRequest;

grpc::Status InventoryService::Reserve(grpc::ServerContext* context,
                                       const ReserveRequest* request, ReserveReply* reply) {
  handled_.fetch_add(1);
  const protect::ContextInfo* caller = grpc_protect::CurrentCaller();
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t& left = stock_[request->item()];
  if (left < request->quantity()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not enough in stock");
  }
  left -= request->quantity();
  reply->set_item(request->item());
  reply->set_remaining(left);
  reply->set_reserved_by(caller != nullptr ? caller->principal : "");
  return grpc::Status::OK;
}

grpc::Status InventoryService::Stock(grpc::ServerContext* context, const StockRequest* request,
                                     StockReply* reply) {
  handled_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  reply->set_item(request->item());
  reply->set_remaining(stock_[request->item()]);
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<InventoryServer>> InventoryServer::Start(
    std::shared_ptr<grpc::ServerCredentials> credentials,
    std::shared_ptr<verifier::Verifier> verifier, std::map<std::string, uint32_t> stock) {
  auto server = std::unique_ptr<InventoryServer>(new InventoryServer(std::move(stock)));
  absl::StatusOr<std::unique_ptr<grpc::Service>> wrapped = grpc_protect::ProtectService(
      &server->service_, ::example::v1::Inventory::service_full_name(), std::move(verifier));
  if (!wrapped.ok()) return wrapped.status();
  server->protected_service_ = *std::move(wrapped);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &server->port_);
  builder.RegisterService(server->protected_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError("the inventory server could not start");
  }
  return server;
}

void InventoryServer::Shutdown() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
    server_.reset();
  }
}

InventoryServer::~InventoryServer() { Shutdown(); }

}  // namespace sts::example
