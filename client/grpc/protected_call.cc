#include "client/grpc/protected_call.h"

#include <string>

#include "client/grpc/call_protection.h"
#include "client/grpc/call_signing.h"
#include "client/wire/fault.h"

namespace sts::grpc_protect {
namespace {

using wire::Refusal;
using wire::Refuse;

// "/package.Service/Method": a leading slash, one more, something around it.
bool IsMethodPath(absl::string_view method) {
  if (method.size() < 4 || method[0] != '/') return false;
  const size_t slash = method.find('/', 1);
  return slash != absl::string_view::npos && slash > 1 && slash + 1 < method.size() &&
         method.find('/', slash + 1) == absl::string_view::npos;
}

}  // namespace

absl::Status ProtectCall(context::SecurityContext& context, absl::string_view method,
                         const google::protobuf::MessageLite& request, grpc::ClientContext* call) {
  if (!IsMethodPath(method)) {
    return Refuse(Refusal::kMalformedRequest,
                  "the method must be a full path such as /example.v1.Inventory/Reserve");
  }
  RequestBuffer bytes;
  SerializeDeterministically(request, bytes.get());
  return SignCall(context, method, *bytes.get(), [&](const char* name, absl::string_view value) {
    call->AddMetadata(name, std::string(value));
  });
}

}  // namespace sts::grpc_protect
