// The client half of call protection that the interceptor (client_interceptor.h)
// and the explicit per-call API (protected_call.h) share: sign a request's
// deterministic bytes for a method under a SecurityContext, as a view (no
// sts.v1.ProtectedMessage), and hand out the metadata (call_protection.h).
#ifndef STS_CLIENT_GRPC_CALL_SIGNING_H_
#define STS_CLIENT_GRPC_CALL_SIGNING_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/context/security_context.h"

namespace sts::grpc_protect {

// Signs a call of `method` (the full path) whose request serializes to
// `request` and hands each metadata entry to `add`. Nothing is added when
// the context refuses (cancelled, expired and not renewable, P_SHA1).
absl::Status SignCall(context::SecurityContext& context, absl::string_view method,
                      absl::string_view request,
                      absl::FunctionRef<void(const char* name, absl::string_view value)> add);

}  // namespace sts::grpc_protect

#endif  // STS_CLIENT_GRPC_CALL_SIGNING_H_
