#include "sts/server/health_service.h"

#include <algorithm>
#include <utility>

#include "grpcpp/server_context.h"
#include "grpcpp/support/async_stream.h"

namespace sts::server {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch call: requested on a queue, answered UNIMPLEMENTED as soon as it
// arrives, deleted when that answer completes (or the queue shuts down).
class WatchRefusal final : public AsyncCall {
 public:
  static void Start(grpc::health::v1::Health::AsyncService* service,
                    grpc::ServerCompletionQueue* queue) {
    new WatchRefusal(service, queue);
  }

  void Proceed(bool ok) override {
    if (!answered_ && ok) {
      Start(service_, queue_);
      answered_ = true;
      writer_.Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                  "grpc.health.v1.Health/Watch is not served; use Check"),
                     this);
      return;
    }
    delete this;
  }

 private:
  WatchRefusal(grpc::health::v1::Health::AsyncService* service,
               grpc::ServerCompletionQueue* queue)
      : service_(service), queue_(queue), writer_(&context_) {
    service_->RequestWatch(&context_, &request_, &writer_, queue, queue, this);
  }

  grpc::health::v1::Health::AsyncService* service_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  HealthCheckRequest request_;
  grpc::ServerAsyncWriter<HealthCheckResponse> writer_;
  bool answered_ = false;
};

}  // namespace

HealthService::HealthService(const std::atomic<bool>* serving, std::vector<std::string> services)
    : serving_(serving), services_(std::move(services)) {
  check_.service = &service_;
  check_.request = &Service::RequestCheck;
  check_.handler = [this](grpc::ServerContext&, const HealthCheckRequest& request,
                          HealthCheckResponse* response) { return Check(request, response); };
}

void HealthService::Serve(grpc::ServerCompletionQueue* queue) {
  AsyncUnaryCall<Service, HealthCheckRequest, HealthCheckResponse>::Start(&check_, queue);
  WatchRefusal::Start(&service_, queue);
}

grpc::Status HealthService::Check(const HealthCheckRequest& request,
                                  HealthCheckResponse* response) const {
  if (!request.service().empty() &&
      std::find(services_.begin(), services_.end(), request.service()) == services_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  response->set_status(serving_->load(std::memory_order_acquire)
                           ? HealthCheckResponse::SERVING
                           : HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

}  // namespace sts::server
