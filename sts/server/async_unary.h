#ifndef STS_SERVER_ASYNC_UNARY_H_
#define STS_SERVER_ASYNC_UNARY_H_

// Unary RPCs on gRPC's completion-queue (async) API, the API that sets the
// throughput ceiling on this kind of machine (docs/ARCHITECTURE.md section 6: about twice
// the callback API, more than twice the sync API).
//
// Each call is one small object: it is requested from a completion queue,
// runs its handler inline on the queue's polling thread when a request
// arrives (handlers here never block: the keyring is in memory, the audit log
// is buffered), posts Finish, and deletes itself when Finish completes. Before
// running the handler it requests its successor, so every method always has
// calls waiting on every queue.

#include <functional>
#include <utility>

#include "grpcpp/completion_queue.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/async_unary_call.h"
#include "grpcpp/support/status.h"

namespace sts::server {

// What a completion-queue tag points to.
class AsyncCall {
 public:
  virtual ~AsyncCall() = default;
  // `ok` is the completion's success bit; false when the server shuts down.
  virtual void Proceed(bool ok) = 0;
};

// One unary method served asynchronously: `Service` is a generated
// `X::AsyncService` and `request` its `RequestY` member.
template <class Service, class Request, class Response>
struct AsyncUnaryMethod {
  using RequestFn = void (Service::*)(grpc::ServerContext*, Request*,
                                      grpc::ServerAsyncResponseWriter<Response>*,
                                      grpc::CompletionQueue*, grpc::ServerCompletionQueue*,
                                      void*);
  using Handler =
      std::function<grpc::Status(grpc::ServerContext& context, const Request&, Response*)>;

  Service* service;
  RequestFn request;
  Handler handler;
  // Called on the response once it has been sent, to wipe secret fields
  // (keys) before the memory is freed. May be null.
  void (*scrub)(Response*) = nullptr;
};

// Names the request and response types of a generated RequestX member, for
// use in decltype only.
template <class Service, class Request, class Response>
std::pair<Request, Response> MethodTraits(
    void (Service::*)(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                      grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*));

template <class Service, class Request, class Response>
class AsyncUnaryCall final : public AsyncCall {
 public:
  using Method = AsyncUnaryMethod<Service, Request, Response>;

  // Requests one call of `method` on `cq`; the object owns itself from here.
  static void Start(const Method* method, grpc::ServerCompletionQueue* cq) {
    new AsyncUnaryCall(method, cq);
  }

  void Proceed(bool ok) override {
    if (!finishing_ && ok) {
      Start(method_, cq_);
      const grpc::Status status = method_->handler(context_, request_, &response_);
      finishing_ = true;
      if (status.ok()) {
        responder_.Finish(response_, status, this);
      } else {
        responder_.FinishWithError(status, this);
      }
      return;
    }
    if (method_->scrub != nullptr) method_->scrub(&response_);
    delete this;
  }

 private:
  AsyncUnaryCall(const Method* method, grpc::ServerCompletionQueue* cq)
      : method_(method), cq_(cq), responder_(&context_) {
    (method->service->*method->request)(&context_, &request_, &responder_, cq, cq, this);
  }

  const Method* method_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_;
  bool finishing_ = false;
};

}  // namespace sts::server

#endif  // STS_SERVER_ASYNC_UNARY_H_
