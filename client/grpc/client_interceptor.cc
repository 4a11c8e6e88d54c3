#include "client/grpc/client_interceptor.h"

#include <utility>
#include <vector>

#include "client/grpc/call_protection.h"
#include "client/grpc/call_signing.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/byte_buffer.h"

namespace sts::grpc_protect {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using wire::Refusal;
using wire::Refuse;

// The request exactly as it goes on the wire, from gRPC's serialized buffer.
bool CopyBuffer(const grpc::ByteBuffer& buffer, std::string* out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  out->clear();
  for (const grpc::Slice& slice : slices) {
    out->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return true;
}

class ProtectingInterceptor final : public grpc::experimental::Interceptor {
 public:
  ProtectingInterceptor(const char* method, std::shared_ptr<context::SecurityContext> context)
      : method_(method), context_(std::move(context)) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (hijacked_) {
      // The call was refused locally: answer it without a server.
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_MESSAGE)) {
        methods->FailHijackedRecvMessage();
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_STATUS)) {
        *methods->GetRecvStatus() = refusal_;
      }
      methods->Proceed();
      return;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      const absl::Status protected_call = Protect(methods);
      if (!protected_call.ok()) {
        refusal_ = wire::ToGrpcStatus(protected_call);
        hijacked_ = true;
        methods->Hijack();  // runs Intercept again for the receive side
        return;
      }
    }
    methods->Proceed();
  }

 private:
  absl::Status Protect(InterceptorBatchMethods* methods) {
    // Unary calls send metadata and the message in one batch.
    if (!methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      return Refuse(Refusal::kInternal, "a unary call's message is not in its first batch");
    }
    RequestBuffer bytes;
    if (const void* request = methods->GetSendMessage(); request != nullptr) {
      // Generated messages derive from MessageLite first, so the pointer
      // gRPC hands out is one to the MessageLite part too.
      SerializeDeterministically(*static_cast<const google::protobuf::MessageLite*>(request),
                                 bytes.get());
    } else {
      grpc::ByteBuffer* serialized = methods->GetSerializedSendMessage();
      if (serialized == nullptr || !CopyBuffer(*serialized, bytes.get())) {
        return Refuse(Refusal::kInternal, "cannot read the request to protect it");
      }
    }
    std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
    return SignCall(*context_, method_, *bytes.get(),
                    [&](const char* name, absl::string_view value) {
                      metadata->emplace(name, std::string(value));
                    });
  }

  const char* const method_;
  const std::shared_ptr<context::SecurityContext> context_;
  bool hijacked_ = false;
  grpc::Status refusal_;
};

class Factory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit Factory(std::shared_ptr<context::SecurityContext> context)
      : context_(std::move(context)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    if (info->type() != grpc::experimental::ClientRpcInfo::Type::UNARY) return nullptr;
    return new ProtectingInterceptor(info->method(), context_);
  }

 private:
  const std::shared_ptr<context::SecurityContext> context_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeClientInterceptorFactory(std::shared_ptr<context::SecurityContext> context) {
  return std::make_unique<Factory>(std::move(context));
}

std::shared_ptr<grpc::Channel> CreateProtectedChannel(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const grpc::ChannelArguments& args, std::shared_ptr<context::SecurityContext> context) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(MakeClientInterceptorFactory(std::move(context)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, args,
                                                                 std::move(factories));
}

}  // namespace sts::grpc_protect
