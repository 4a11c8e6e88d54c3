// stsctl health: the gRPC health service of the STS; exit 0 only when
// SERVING.
#include <chrono>
#include <ostream>

#include "client/channel.h"
#include "client/stsctl/command.h"
#include "client/stsctl/flags.h"
#include "client/wire/grpc_status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"

namespace sts::stsctl {

int RunHealth(const Env& env) {
  std::shared_ptr<grpc::Channel> channel;
  if (env.args.Has("insecure")) {
    channel = grpc::CreateChannel(env.args.Get("addr", "127.0.0.1:8443"),
                                  grpc::InsecureChannelCredentials());
  } else {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> secure =
        MakeMutualTlsChannel(ChannelFlags(env.args));
    if (!secure.ok()) return Fail(env, secure.status());
    channel = *secure;
  }
  absl::StatusOr<absl::Duration> timeout = DurationFlag(env.args, "timeout", "5s");
  if (!timeout.ok()) return Fail(env, timeout.status());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(*timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(env.args.Get("service"));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return Fail(env, wire::FromGrpcStatus(status));
  env.out << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace sts::stsctl
