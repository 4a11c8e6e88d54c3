#ifndef STS_SERVER_HEALTH_SERVICE_H_
#define STS_SERVER_HEALTH_SERVICE_H_

// grpc.health.v1.Health on the completion-queue API, on the queues that
// serve everything else.
//
// gRPC's own implementation (EnableDefaultHealthCheckService) runs on the
// callback API, and a server with a callback service gets gRPC's
// "nexting" threads, which poll the same connections as the serving
// threads: every call then woke two or three threads on the way (about
// 16,000 context switches a second at 7,700 Renew/s on one CPU, against
// 200 without). This one adds no thread.
//
// Check answers SERVING or NOT_SERVING for "" and for each service named at
// construction, and NOT_FOUND for any other name (the health protocol).
// Watch, a server stream, is answered UNIMPLEMENTED, which the protocol
// lets a server do and which clients read as "use Check".

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/completion_queue.h"
#include "sts/server/async_unary.h"

namespace sts::server {

class HealthService {
 public:
  // `serving` is shared (one server may answer on several ports) and must
  // outlive this object.
  HealthService(const std::atomic<bool>* serving, std::vector<std::string> services);

  // Registered on one ServerBuilder, before BuildAndStart.
  grpc::Service* service() { return &service_; }

  // After BuildAndStart: keeps calls of both methods requested on `queue`,
  // whose thread hands each tag to AsyncCall::Proceed.
  void Serve(grpc::ServerCompletionQueue* queue);

 private:
  using Service = grpc::health::v1::Health::AsyncService;
  using CheckMethod = AsyncUnaryMethod<Service, grpc::health::v1::HealthCheckRequest,
                                       grpc::health::v1::HealthCheckResponse>;

  grpc::Status Check(const grpc::health::v1::HealthCheckRequest& request,
                     grpc::health::v1::HealthCheckResponse* response) const;

  const std::atomic<bool>* serving_;
  const std::vector<std::string> services_;
  Service service_;
  CheckMethod check_;
};

}  // namespace sts::server

#endif  // STS_SERVER_HEALTH_SERVICE_H_
