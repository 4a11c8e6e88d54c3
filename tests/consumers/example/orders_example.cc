// orders_example: what a team's service does with the STS client library, as
// docs/USING.md shows it. The Bazel, CMake and pkg-config examples under
// tests/consumers build this one file against the library as each gets it,
// and run it against a real sts_server.
//
//   orders_example STS_ADDRESS PKI_DIR
//
// PKI_DIR is what `sts/dev/make_pki.sh dev PKI_DIR` makes: ca.pem; client.pem
// and .key (spiffe://sts.dev/client: this orders service); relying-party.pem
// and .key (spiffe://sts.dev/relying-party: the warehouse, the audience);
// server.pem and .key (localhost: the warehouse's TLS certificate).
//
// The orders service obtains a security context for the warehouse, signs a
// message, and the warehouse verifies it as the audience (a tampered copy is
// refused) and signs its answer; then one protected gRPC call to the
// warehouse's own service, and an unprotected one, which is refused. Exits 0
// when every step went as it should, else 1 with the step and why on stderr.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/grpc/client_interceptor.h"
#include "client/grpc/protected_service.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "client/version.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "warehouse.grpc.pb.h"

namespace {

constexpr char kWarehouse[] = "spiffe://sts.dev/relying-party";
constexpr char kOrders[] = "spiffe://sts.dev/client";
constexpr char kSubmit[] = "/orders/submit";  // what each message is bound to

int Fail(const std::string& step, const absl::Status& status) {
  std::cerr << "orders_example: " << step << ": " << status.message() << " (fault "
            << sts::wire::FaultNameOf(status) << ")\n";
  return 1;
}

int Fail(const std::string& step) {
  std::cerr << "orders_example: " << step << "\n";
  return 1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The warehouse's own gRPC service; ProtectService runs the check first.
class WarehouseService final : public shop::v1::Warehouse::Service {
 public:
  grpc::Status Reserve(grpc::ServerContext*, const shop::v1::ReserveRequest* request,
                       shop::v1::ReserveReply* reply) override {
    const sts::protect::ContextInfo* caller = sts::grpc_protect::CurrentCaller();
    reply->set_item(request->item());
    reply->set_reserved_by(caller != nullptr ? caller->principal : "");
    return grpc::Status::OK;
  }
};

// A mutual-TLS channel to the STS as `who` (a certificate of PKI_DIR).
absl::StatusOr<std::shared_ptr<sts::context::StsApi>> StsAs(const std::string& address,
                                                            const std::string& pki,
                                                            const std::string& who) {
  sts::ChannelOptions options;
  options.address = address;
  options.ca_file = pki + "/ca.pem";
  options.cert_file = pki + "/" + who + ".pem";
  options.key_file = pki + "/" + who + ".key";
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = sts::MakeMutualTlsChannel(options);
  if (!channel.ok()) return channel.status();
  return sts::context::StsApi::FromClient(std::make_shared<sts::StsClient>(*channel));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return Fail("usage: orders_example STS_ADDRESS PKI_DIR");
  const std::string address = argv[1];
  const std::string pki = argv[2];
  if (std::string(STS_CLIENT_VERSION) != sts::ClientVersion()) {
    return Fail(std::string("compiled against ") + STS_CLIENT_VERSION + ", runs with " +
                sts::ClientVersion());
  }
  std::cout << "sts client library " << sts::ClientVersion() << "\n";

  // The orders service: a context whose audience is the warehouse.
  absl::StatusOr<std::shared_ptr<sts::context::StsApi>> orders_sts = StsAs(address, pki, "client");
  if (!orders_sts.ok()) return Fail("channel to the STS", orders_sts.status());
  sts::v1::IssueRequest request;
  request.set_applies_to(kWarehouse);
  absl::StatusOr<std::unique_ptr<sts::context::SecurityContext>> issued =
      sts::context::SecurityContext::Issue(*orders_sts, request);
  if (!issued.ok()) return Fail("issue", issued.status());
  std::shared_ptr<sts::context::SecurityContext> context = *std::move(issued);
  std::cout << "issued " << context->identifier() << " for " << context->applies_to()
            << ", expires " << absl::FormatTime(context->expires()) << "\n";

  absl::StatusOr<sts::v1::ProtectedMessage> order = context->Sign("3 widgets", kSubmit);
  if (!order.ok()) return Fail("sign", order.status());

  // The warehouse: a Verifier that fetches keys with Validate, as the audience.
  absl::StatusOr<std::shared_ptr<sts::context::StsApi>> warehouse_sts =
      StsAs(address, pki, "relying-party");
  if (!warehouse_sts.ok()) return Fail("the warehouse's channel to the STS", warehouse_sts.status());
  auto verifier = std::make_shared<sts::verifier::Verifier>(*warehouse_sts);
  absl::StatusOr<std::shared_ptr<const sts::protect::ContextInfo>> sender =
      verifier->Verify(*order, kSubmit);
  if (!sender.ok()) return Fail("verify as the audience", sender.status());
  if ((*sender)->principal != kOrders) return Fail("verified, but from " + (*sender)->principal);
  std::cout << "the warehouse verified the order from " << (*sender)->principal << "\n";

  sts::v1::ProtectedMessage forged = *order;
  forged.set_payload("300 widgets");
  absl::StatusOr<std::shared_ptr<const sts::protect::ContextInfo>> refused =
      verifier->Verify(forged, kSubmit);
  if (refused.ok()) return Fail("a tampered order verified");
  std::cout << "a tampered order is refused: " << sts::wire::FaultNameOf(refused.status()) << "\n";

  absl::StatusOr<sts::v1::ProtectedMessage> answer =
      verifier->Sign(order->token(), "reserved", kSubmit);
  if (!answer.ok()) return Fail("the warehouse's answer", answer.status());
  if (absl::Status s = context->Verify(*answer, kSubmit); !s.ok()) return Fail("verify the answer", s);

  // The same over gRPC: the warehouse's service behind ProtectService ...
  WarehouseService service;
  absl::StatusOr<std::unique_ptr<grpc::Service>> protected_service =
      sts::grpc_protect::ProtectService(&service, shop::v1::Warehouse::service_full_name(),
                                        verifier);
  if (!protected_service.ok()) return Fail("protect the service", protected_service.status());
  grpc::SslServerCredentialsOptions server_tls;
  server_tls.pem_key_cert_pairs.push_back(
      {ReadFile(pki + "/server.key"), ReadFile(pki + "/server.pem")});
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(server_tls), &port);
  builder.RegisterService(protected_service->get());  // the wrapper, not &service
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Fail("the warehouse's server did not start");

  // ... and the orders service calling it through a protected channel.
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(pki + "/ca.pem");
  const std::string target = "127.0.0.1:" + std::to_string(port);
  auto stub = shop::v1::Warehouse::NewStub(sts::grpc_protect::CreateProtectedChannel(
      target, grpc::SslCredentials(tls), grpc::ChannelArguments(), context));
  shop::v1::ReserveRequest reserve;
  reserve.set_item("widget");
  reserve.set_quantity(3);
  shop::v1::ReserveReply reply;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = stub->Reserve(&call, reserve, &reply);
  if (!status.ok()) return Fail("protected call", sts::wire::FromGrpcStatus(status));
  if (reply.reserved_by() != kOrders) return Fail("the call was served for " + reply.reserved_by());
  std::cout << "protected call: " << reply.item() << " reserved by " << reply.reserved_by() << "\n";

  auto plain = shop::v1::Warehouse::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(tls)));
  grpc::ClientContext plain_call;
  plain_call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  status = plain->Reserve(&plain_call, reserve, &reply);
  if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    return Fail("an unprotected call was not refused (" + std::to_string(status.error_code()) + ")");
  }
  std::cout << "an unprotected call is refused: "
            << sts::wire::FaultNameOf(sts::wire::FromGrpcStatus(status)) << "\n";

  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  std::cout << "orders_example: OK\n";
  return 0;
}
