#ifndef STS_CLIENT_CHANNEL_H_
#define STS_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace sts {

// Where the STS is and how to prove who we are to it.
struct ChannelOptions {
  std::string address;    // host:port
  std::string ca_file;    // PEM: the CA(s) the STS's certificate must chain to
  std::string cert_file;  // PEM: our client certificate chain
  std::string key_file;   // PEM: its private key
  // Name to verify in the STS certificate when it differs from the host in
  // `address` (e.g. connecting by IP to a certificate issued for a name).
  std::string server_name;
  // gRPC service config (JSON), e.g. round_robin over several replicas
  // (address "ipv4:127.0.0.1:8443,127.0.0.1:8444") and a retry policy.
  std::string service_config_json;
};

// A mutual-TLS channel to the STS. Reads the PEM files now and fails with a
// clear message when one is missing. Channels are expensive to establish (a
// TLS handshake) and cheap to share: create one per process and reuse it.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeMutualTlsChannel(const ChannelOptions& options);

}  // namespace sts

#endif  // STS_CLIENT_CHANNEL_H_
