#ifndef STS_SERVER_CREDENTIALS_H_
#define STS_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "sts/config/sts_config.pb.h"

namespace sts::server {

// Mutual-TLS credentials for the STS port: TLS 1.2 or 1.3 (gRPC's floor and
// ceiling), the server's certificate chain and key, and a client certificate
// that is requested, required and verified against the configured CAs. The
// files are re-read every `reload_seconds` (tls.reload_interval), so
// certificates can be rotated on disk without a restart. gRPC hands the TLS
// stack whatever they hold: give it TlsFileStage's checked copies
// (tls_files.h), never files that an operator replaces. Fails early when a
// file is missing or holds no PEM.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTlsCredentials(
    const sts::config::TlsConfig& tls, unsigned int reload_seconds = 60);

}  // namespace sts::server

#endif  // STS_SERVER_CREDENTIALS_H_
