// Protecting one unary call explicitly, on any channel, instead of through a
// protected channel's interceptor (client_interceptor.h). The metadata and
// the MAC are the same (call_protection.h); what this saves is gRPC's
// interceptor machinery, which costs every intercepted call an extra trip
// through the completion queue when it completes (tests/bench measures it).
//
//   grpc::ClientContext call;
//   absl::Status s = ProtectCall(*context, "/example.v1.Inventory/Reserve", request, &call);
//   if (!s.ok()) ...;  // nothing was sent
//   grpc::Status answer = stub->Reserve(&call, request, &response);
//
// Contract:
//  - `method` is the full path of the method the request is then sent to;
//    sent to another, the call is refused by the server
//    (wst:FailedAuthentication).
//  - The request is serialized deterministically for the MAC, whatever the
//    stub (sync, async, callback) that then sends it.
//  - Refusals: those of SecurityContext::SignView (wst:InvalidSecurityToken
//    once cancelled, wsc:RenewNeeded once expired and not renewable,
//    wst:InvalidRequest for a P_SHA1 context), and wst:InvalidRequest for a
//    method that is not a path ("/package.Service/Method"). `call` is
//    unchanged then. A call protected twice carries every header twice,
//    which the server refuses (wst:InvalidRequest).
// Thread-safe (one context serves any number of calls at once).
#ifndef STS_CLIENT_GRPC_PROTECTED_CALL_H_
#define STS_CLIENT_GRPC_PROTECTED_CALL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/context/security_context.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/client_context.h"

namespace sts::grpc_protect {

absl::Status ProtectCall(context::SecurityContext& context, absl::string_view method,
                         const google::protobuf::MessageLite& request, grpc::ClientContext* call);

}  // namespace sts::grpc_protect

#endif  // STS_CLIENT_GRPC_PROTECTED_CALL_H_
