#ifndef STS_SERVER_PEER_IDENTITY_H_
#define STS_SERVER_PEER_IDENTITY_H_

#include "grpcpp/server_context.h"
#include "sts/policy/principal.h"

namespace sts::server {

// The verified client certificate's identity fields, as gRPC's TLS layer
// recorded them for this call's connection (peer_uri, peer_dns,
// x509_common_name). Unverified or absent certificate: `verified` is false.
policy::PeerIdentity PeerIdentityOf(const grpc::ServerContext& context);

}  // namespace sts::server

#endif  // STS_SERVER_PEER_IDENTITY_H_
