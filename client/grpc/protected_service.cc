#include "client/grpc/protected_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/grpc/call_protection.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/server_context.h"

namespace sts::grpc_protect {
namespace {

using grpc::internal::MethodHandler;

thread_local const protect::ContextInfo* current_caller = nullptr;

// Sets CurrentCaller() for the duration of a handler.
class CallerScope {
 public:
  explicit CallerScope(const protect::ContextInfo* caller) : saved_(current_caller) {
    current_caller = caller;
  }
  ~CallerScope() { current_caller = saved_; }

 private:
  const protect::ContextInfo* const saved_;
};

// grpc::Service::GetHandler is protected. A pointer to it formed inside a
// derived class may be applied to any grpc::Service ([class.protected]).
struct HandlerAccess : grpc::Service {
  static MethodHandler* Get(grpc::Service* service, int index) {
    MethodHandler* (grpc::Service::*get)(int) = &HandlerAccess::GetHandler;
    return (service->*get)(index);
  }
};

// Checks the call, then hands it to the generated handler: unchanged when it
// verified, with a non-OK status (and no request) when it did not, which the
// generated sync handler answers without calling the application.
class VerifyingHandler final : public MethodHandler {
 public:
  VerifyingHandler(MethodHandler* inner, const std::string* method,
                   std::shared_ptr<verifier::Verifier> verifier)
      : inner_(inner), method_(method), verifier_(std::move(verifier)) {}

  void RunHandler(const HandlerParameter& param) override {
    if (!param.status.ok() || param.request == nullptr) {
      inner_->RunHandler(param);  // e.g. the request did not parse
      return;
    }
    // The generated request type derives from MessageLite first, so the
    // pointer the sync handler made is one to its MessageLite part too.
    auto* request = static_cast<google::protobuf::MessageLite*>(param.request);
    protect::MessageView view;
    absl::Status checked = ViewFromMetadata(param.server_context->client_metadata(), &view);
    std::shared_ptr<const protect::ContextInfo> caller;
    if (checked.ok()) {
      RequestBuffer payload;
      SerializeDeterministically(*request, payload.get());
      view.payload = *payload.get();
      absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> verified =
          verifier_->Verify(view, *method_);
      if (verified.ok()) {
        caller = *std::move(verified);
      } else {
        checked = verified.status();
      }
    }
    if (!checked.ok()) {
      // The generated handler destroys the request only when it runs the
      // method; here it will not, so this does.
      request->~MessageLite();
      inner_->RunHandler(HandlerParameter(param.call, param.server_context, nullptr,
                                          RefusalToGrpc(checked), param.internal_data,
                                          param.call_requester));
      return;
    }
    CallerScope scope(caller.get());
    inner_->RunHandler(param);
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    return inner_->Deserialize(call, request, status, handler_data);
  }

 private:
  MethodHandler* const inner_;  // owned by the wrapped service
  const std::string* const method_;
  const std::shared_ptr<verifier::Verifier> verifier_;
};

class ProtectedService final : public grpc::Service {
 public:
  absl::Status Init(grpc::Service* inner, absl::string_view service_full_name,
                    std::shared_ptr<verifier::Verifier> verifier) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            std::string(service_full_name));
    if (descriptor == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("no generated service named ", service_full_name));
    }
    if (inner->has_async_methods() || inner->has_generic_methods() ||
        inner->has_callback_methods() || !inner->has_synchronous_methods()) {
      return absl::InvalidArgumentError(
          "only services with synchronous methods only can be protected (no async, "
          "callback, raw or generic methods)");
    }
    // Every name first, so that the strings no longer move when gRPC keeps
    // pointers to them.
    names_.reserve(static_cast<size_t>(descriptor->method_count()));
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = descriptor->method(i);
      if (method->client_streaming() || method->server_streaming()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "method ", method->full_name(), " streams; only unary methods can be protected"));
      }
      names_.push_back(absl::StrCat("/", descriptor->full_name(), "/", method->name()));
    }
    // Generated services add their methods in descriptor order.
    for (int i = 0; i < descriptor->method_count(); ++i) {
      MethodHandler* handler = HandlerAccess::Get(inner, i);
      if (handler == nullptr) {
        return absl::InvalidArgumentError("a method of the service has no handler");
      }
      AddMethod(new grpc::internal::RpcServiceMethod(
          names_[i].c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
          new VerifyingHandler(handler, &names_[i], verifier)));
    }
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> names_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<grpc::Service>> ProtectService(
    grpc::Service* service, absl::string_view service_full_name,
    std::shared_ptr<verifier::Verifier> verifier) {
  if (service == nullptr || verifier == nullptr) {
    return absl::InvalidArgumentError("ProtectService needs a service and a verifier");
  }
  auto wrapper = std::make_unique<ProtectedService>();
  if (absl::Status s = wrapper->Init(service, service_full_name, std::move(verifier)); !s.ok()) {
    return s;
  }
  return std::unique_ptr<grpc::Service>(std::move(wrapper));
}

const protect::ContextInfo* CurrentCaller() { return current_caller; }

}  // namespace sts::grpc_protect
