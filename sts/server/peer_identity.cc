#include "sts/server/peer_identity.h"

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

namespace sts::server {

policy::PeerIdentity PeerIdentityOf(const grpc::ServerContext& context) {
  policy::PeerIdentity peer;
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // The x509 properties exist only once the chain verified (the server asks
  // for, requires and verifies a client certificate), but check anyway.
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return peer;
  // One pass over the properties, copying only the names we keep (a lookup
  // per name would walk them four times, and the certificate's PEM is only
  // checked for presence).
  const absl::string_view kPem = GRPC_X509_PEM_CERT_PROPERTY_NAME;
  const absl::string_view kUri = GRPC_PEER_URI_PROPERTY_NAME;
  const absl::string_view kDns = GRPC_PEER_DNS_PROPERTY_NAME;
  const absl::string_view kCn = GRPC_X509_CN_PROPERTY_NAME;
  bool have_cn = false;
  for (const grpc::AuthProperty& property : *auth) {
    const absl::string_view name(property.first.data(), property.first.size());
    const grpc::string_ref& value = property.second;
    if (name == kPem) {
      peer.verified = true;
    } else if (name == kUri) {
      peer.uri_sans.emplace_back(value.data(), value.size());
    } else if (name == kDns) {
      peer.dns_sans.emplace_back(value.data(), value.size());
    } else if (name == kCn && !have_cn) {
      peer.common_name.assign(value.data(), value.size());
      have_cn = true;
    }
  }
  return peer;
}

}  // namespace sts::server
