#include "sts/server/peer_identity.h"

#include <memory>
#include <string>

#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

namespace sts::server {
namespace {

std::vector<std::string> Values(const grpc::AuthContext& auth, const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : auth.FindPropertyValues(name)) {
    out.emplace_back(v.data(), v.size());
  }
  return out;
}

}  // namespace

policy::PeerIdentity PeerIdentityOf(const grpc::ServerContext& context) {
  policy::PeerIdentity peer;
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // The x509 properties exist only once the chain verified (the server asks
  // for, requires and verifies a client certificate), but check anyway.
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return peer;
  const std::vector<std::string> pem = Values(*auth, GRPC_X509_PEM_CERT_PROPERTY_NAME);
  peer.verified = !pem.empty();
  peer.uri_sans = Values(*auth, GRPC_PEER_URI_PROPERTY_NAME);
  peer.dns_sans = Values(*auth, GRPC_PEER_DNS_PROPERTY_NAME);
  const std::vector<std::string> cn = Values(*auth, GRPC_X509_CN_PROPERTY_NAME);
  if (!cn.empty()) peer.common_name = cn.front();
  return peer;
}

}  // namespace sts::server
