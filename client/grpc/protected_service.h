// Server side of protected gRPC calls: a wrapper around a generated
// synchronous service that checks every call (call_protection.h) with a
// relying party's Verifier BEFORE the application's handler runs, and
// answers UNAUTHENTICATED (with the WS-Trust fault in the details) when the
// check fails; the handler then never sees the call.
//
//   MyService impl;                                   // the generated Service
//   auto protected_service = ProtectService(&impl, example::v1::Inventory::service_full_name(),
//                                           verifier);
//   builder.RegisterService(protected_service->get());  // not &impl
//
// Why not a server interceptor: gRPC C++ 1.51 server interceptors cannot stop
// a call before the handler runs. This wrapper relies instead on
// grpc::internal::MethodHandler (internal API, pinned to the Debian gRPC 1.51
// this project builds with): the sync RpcMethodHandler sends the status it is
// handed without running the application method when that status is not OK.
// A gRPC upgrade must re-run tests/services.
//
// Contract:
//  - Only services whose methods are all unary and all synchronous (the
//    generated `Service`, no WithAsyncMethod_/WithCallbackMethod_/
//    WithRawMethod_/WithGenericMethod_/WithStreamedUnaryMethod_ variants) are
//    accepted; anything else is refused by ProtectService with
//    InvalidArgument, so nothing goes unprotected by mistake.
//  - `service` must outlive the returned wrapper, and must not be registered
//    itself. The wrapper must outlive the server it is registered with.
//  - The request is re-serialized deterministically to check the MAC, as the
//    client serialized it (docs/PROTECTED_MESSAGE.md section 6).
#ifndef STS_CLIENT_GRPC_PROTECTED_SERVICE_H_
#define STS_CLIENT_GRPC_PROTECTED_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/protect/instance_keys.h"
#include "client/verifier/verifier.h"
#include "grpcpp/impl/service_type.h"

namespace sts::grpc_protect {

absl::StatusOr<std::unique_ptr<grpc::Service>> ProtectService(
    grpc::Service* service, absl::string_view service_full_name,
    std::shared_ptr<verifier::Verifier> verifier);

// Inside a handler of a protected service, on the thread gRPC runs it on: the
// context the call was verified under (identifier, the client's principal,
// applies_to). Null anywhere else.
const protect::ContextInfo* CurrentCaller();

}  // namespace sts::grpc_protect

#endif  // STS_CLIENT_GRPC_PROTECTED_SERVICE_H_
