#ifndef STS_SERVER_ASYNC_UNARY_H_
#define STS_SERVER_ASYNC_UNARY_H_

// Unary RPCs on gRPC's completion-queue (async) API, the API that sets the
// throughput ceiling on this kind of machine (docs/ARCHITECTURE.md section 6: about twice
// the callback API, more than twice the sync API).
//
// Each call is one small object: it is requested from a completion queue,
// runs its handler when a request arrives, posts Finish, and deletes itself
// when Finish completes. Before running the handler it requests its
// successor, so every method always has calls waiting on every queue.
// Its request and response live on a protobuf arena whose first block is
// inside the call object: parsing the request and building the response
// allocate nothing in the common case (string contents aside), and the
// block is wiped when the call ends.
//
// A method's handler runs inline on the queue's polling thread when it never
// blocks (the keyring is in memory, the audit log is buffered). A method that
// may wait on Redis names a WorkerPool: its handler runs there and posts
// Finish from the worker (the async API allows Finish from any thread), so
// the polling thread is free at once; when the pool is full, the method's
// `busy` handler answers inline instead.

#include <cstddef>
#include <functional>
#include <utility>

#include "client/crypto/constant_time.h"
#include "google/protobuf/arena.h"

#include "grpcpp/completion_queue.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/async_unary_call.h"
#include "grpcpp/support/status.h"
#include "sts/server/worker_pool.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace sts::server {

// What a completion-queue tag points to.
class AsyncCall {
 public:
  virtual ~AsyncCall() = default;
  // `ok` is the completion's success bit; false when the server shuts down.
  virtual void Proceed(bool ok) = 0;
};

// The loop of a thread that serves `cq`: hands each tag to its call until
// the queue is shut down and drained.
inline void RunQueue(grpc::CompletionQueue* cq) {
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) static_cast<AsyncCall*>(tag)->Proceed(ok);
}

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
  // The same for the request (the requestor's entropy). May be null.
  void (*scrub_request)(Request*) = nullptr;
  // Where `handler` runs when it may block; null: inline. `busy` answers
  // (inline) when the pool refuses the call.
  WorkerPool* pool = nullptr;
  Handler busy;
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
      // Set before any Finish: the completion may be delivered, on this
      // queue's thread, before a worker's Finish call has returned.
      finishing_ = true;
      if (method_->pool == nullptr) {
        Respond(method_->handler);
      } else if (!method_->pool->TrySubmit([this] { Respond(method_->handler); })) {
        Respond(method_->busy);
      }
      return;
    }
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(this);  // the worker's __tsan_release in Respond
#endif
    if (method_->scrub != nullptr) method_->scrub(response_);
    if (method_->scrub_request != nullptr) method_->scrub_request(request_);
    delete this;
  }

 private:
  AsyncUnaryCall(const Method* method, grpc::ServerCompletionQueue* cq)
      : method_(method),
        cq_(cq),
        arena_(block_.bytes, sizeof(block_.bytes)),
        request_(google::protobuf::Arena::CreateMessage<Request>(&arena_)),
        response_(google::protobuf::Arena::CreateMessage<Response>(&arena_)),
        responder_(&context_) {
    (method->service->*method->request)(&context_, request_, &responder_, cq, cq, this);
  }

  // Runs `handler` and posts its answer; the last use of this object before
  // the Finish completion comes back.
  void Respond(const typename Method::Handler& handler) {
    const grpc::Status status = handler(context_, *request_, response_);
#if defined(__SANITIZE_THREAD__)
    // A worker's use of this call happens before the queue thread deletes
    // it: gRPC orders Finish before its completion, but Debian's gRPC is
    // uninstrumented, so ThreadSanitizer cannot see that edge and reported
    // the handler's accesses racing with `delete this`. The release states
    // the edge for everything above. What Finish itself writes (gRPC's
    // inline code filling its own op buffers before handing them to the
    // core) is gRPC's ordering, the kind third_party/sanitizers leaves to
    // gRPC: not recorded, as if that code were in the library.
    __tsan_release(this);
    __tsan_ignore_thread_begin();
#endif
    if (status.ok()) {
      responder_.Finish(*response_, status, this);
    } else {
      responder_.FinishWithError(status, this);
    }
#if defined(__SANITIZE_THREAD__)
    __tsan_ignore_thread_end();
#endif
  }

  // The arena's first block; wiped after the arena (declared after it) is
  // gone, since what the scrub functions missed may still be in it.
  struct WipedBlock {
    alignas(std::max_align_t) char bytes[2048];
    ~WipedBlock() { crypto::SecureZero(bytes, sizeof(bytes)); }
  };

  const Method* method_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext context_;
  WipedBlock block_;
  google::protobuf::Arena arena_;
  Request* request_;    // on arena_
  Response* response_;  // on arena_
  grpc::ServerAsyncResponseWriter<Response> responder_;
  bool finishing_ = false;
};

}  // namespace sts::server

#endif  // STS_SERVER_ASYNC_UNARY_H_
