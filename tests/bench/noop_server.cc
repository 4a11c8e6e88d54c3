// noop_server: the benchmark ceiling. Serves bench.v1.Noop/Call, a unary RPC
// that does nothing, with the machinery sts_server uses for sts.v1: the same
// AsyncUnaryCall template on gRPC's completion-queue API, the same
// MutualTlsCredentials, the same number of completion queues (one per CPU by
// default, one polling thread each), the same calls kept requested per queue
// and the same maximum request size. What it serves per second is what gRPC
// over mutual TLS allows on this machine with that machinery. The report's
// ceiling is the fastest of its configurations (--completion_queues 1 and one
// per CPU) and of minimal_noop_server, which shares none of this code; the
// STS's figures are ratios to it (tests/bench/README.md).
//
//   noop_server --client_ca=ca.pem --cert=server.pem --key=server.key
//               --listen=127.0.0.1:0 --port_file=/tmp/port
//
// --sts_extras adds what sts_server registers besides its own service (its
// health service and gRPC's reflection), to measure what they cost.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "noop.grpc.pb.h"
#include "sts/config/config.h"
#include "sts/config/sts_config.pb.h"
#include "sts/server/async_unary.h"
#include "sts/server/health_service.h"
#include "sts/server/credentials.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, port_file, "", "write the bound port here once serving");
ABSL_FLAG(std::string, client_ca, "", "PEM bundle of the CAs client certificates chain to");
ABSL_FLAG(std::string, cert, "", "PEM certificate chain of this server");
ABSL_FLAG(std::string, key, "", "PEM private key of this server");
ABSL_FLAG(uint32_t, completion_queues, 0,
          "completion queues, one polling thread each; 0: one per CPU, as sts_server's "
          "server.completion_queues");
ABSL_FLAG(bool, sts_extras, false,
          "also serve the health service and reflection, as sts_server does");

namespace {

// What sts_server keeps requested per method per queue
// (sts/server/sts_server.cc, kCallsPerMethodPerQueue) and its default
// server.max_request_bytes.
constexpr int kCallsPerMethodPerQueue = 16;
constexpr int kMaxRequestBytes = 65536;

using Service = bench::v1::Noop::AsyncService;
using NoopMethod =
    sts::server::AsyncUnaryMethod<Service, bench::v1::NoopRequest, bench::v1::NoopResponse>;
using NoopCall =
    sts::server::AsyncUnaryCall<Service, bench::v1::NoopRequest, bench::v1::NoopResponse>;

int Fail(const std::string& message) {
  std::fprintf(stderr, "noop_server: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The benchmark ceiling: bench.v1.Noop/Call over mutual TLS on sts_server's async "
      "machinery.\nUsage: noop_server --client_ca=F --cert=F --key=F [--listen=H:P] "
      "[--port_file=F]");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex that gRPC
  // takes also updates a global lock-order graph (deadlock detection): a few
  // per cent of a call, measured. It is a debugging aid; production is off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sts::config::TlsConfig tls;
  tls.set_client_ca_file(absl::GetFlag(FLAGS_client_ca));
  tls.set_cert_file(absl::GetFlag(FLAGS_cert));
  tls.set_key_file(absl::GetFlag(FLAGS_key));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      sts::server::MutualTlsCredentials(tls);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));

  // The same rule as sts_server's for completion_queues = 0.
  uint32_t queue_count = absl::GetFlag(FLAGS_completion_queues);
  if (queue_count == 0) queue_count = sts::config::DefaultCompletionQueues();

  // sts_server's health service (on these queues) and gRPC's reflection.
  const bool sts_extras = absl::GetFlag(FLAGS_sts_extras);
  const std::atomic<bool> serving{true};
  sts::server::HealthService health(&serving, {"bench.v1.Noop"});
  if (sts_extras) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  Service service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.RegisterService(&service);
  if (sts_extras) builder.RegisterService(health.service());
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (uint32_t i = 0; i < queue_count; ++i) queues.push_back(builder.AddCompletionQueue());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("cannot serve on " + absl::GetFlag(FLAGS_listen));
  }

  NoopMethod method;
  method.service = &service;
  method.request = &Service::RequestCall;
  method.handler = [](grpc::ServerContext&, const bench::v1::NoopRequest& request,
                      bench::v1::NoopResponse* response) {
    if (!request.payload().empty()) response->set_payload(request.payload());
    return grpc::Status::OK;
  };
  for (auto& queue : queues) {
    for (int i = 0; i < kCallsPerMethodPerQueue; ++i) NoopCall::Start(&method, queue.get());
    if (sts_extras) health.Serve(queue.get());
  }
  std::vector<std::thread> threads;
  for (auto& queue : queues) {
    grpc::ServerCompletionQueue* cq = queue.get();
    threads.emplace_back([cq] { sts::server::RunQueue(cq); });
  }

  std::printf("noop_server: serving bench.v1.Noop over mutual TLS on port %d, %u queues\n", port,
              queue_count);
  std::fflush(stdout);
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    std::ofstream(path + ".tmp") << port << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }

  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  for (auto& queue : queues) queue->Shutdown();
  for (std::thread& t : threads) t.join();
  return 0;
}
