#include "client/grpc/call_signing.h"

#include "client/grpc/call_protection.h"

namespace sts::grpc_protect {

absl::Status SignCall(context::SecurityContext& context, absl::string_view method,
                      absl::string_view request,
                      absl::FunctionRef<void(const char* name, absl::string_view value)> add) {
  context::SecurityContext::SignedView signed_view;
  if (absl::Status s = context.SignView(request, method, &signed_view); !s.ok()) return s;
  signed_view.view.tag = absl::string_view(reinterpret_cast<const char*>(signed_view.tag.data()),
                                           signed_view.tag.size());
  ForEachHeader(signed_view.view, add);
  return absl::OkStatus();
}

}  // namespace sts::grpc_protect
