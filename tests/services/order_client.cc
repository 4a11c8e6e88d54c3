#include "tests/services/order_client.h"

#include <chrono>

#include "client/grpc/client_interceptor.h"
#include "client/wire/grpc_status.h"
#include "grpcpp/client_context.h"

namespace sts::example {

OrderClient::OrderClient(const std::string& inventory_address,
                         std::shared_ptr<grpc::ChannelCredentials> credentials,
                         std::shared_ptr<context::SecurityContext> context)
    : stub_(::example::v1::Inventory::NewStub(grpc_protect::CreateProtectedChannel(
          inventory_address, credentials, grpc::ChannelArguments(), std::move(context)))) {}

absl::StatusOr<::example::v1::ReserveReply> OrderClient::Reserve(const std::string& item,
                                                                  uint32_t quantity) {
  ::example::v1::ReserveRequest request;
  request.set_item(item);
  request.set_quantity(quantity);
  (*request.mutable_labels())["order"] = "example";
  (*request.mutable_labels())["priority"] = "normal";
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ::example::v1::ReserveReply reply;
  const grpc::Status status = stub_->Reserve(&context, request, &reply);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return reply;
}

absl::StatusOr<::example::v1::StockReply> OrderClient::Stock(const std::string& item) {
  ::example::v1::StockRequest request;
  request.set_item(item);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ::example::v1::StockReply reply;
  const grpc::Status status = stub_->Stock(&context, request, &reply);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return reply;
}

}  // namespace sts::example
