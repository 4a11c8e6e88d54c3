// minimal_noop_server: a second, independent ceiling. It serves the same
// bench.v1.Noop/Call as noop_server, over mutual TLS, with nothing of the
// STS's code: its own call object on gRPC's completion-queue API, gRPC's
// plain SslServerCredentials (client certificate required and verified),
// one completion queue by default. If noop_server, built on sts_server's
// machinery (sts/server/async_unary.h, MutualTlsCredentials), were slower
// than what gRPC allows, this one would show it, and the ceiling the report
// uses (the fastest no-op configuration) would come from here.
//
//   minimal_noop_server --client_ca=ca.pem --cert=server.pem --key=server.key
//                       --listen=127.0.0.1:0 --port_file=/tmp/port
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "noop.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, port_file, "", "write the bound port here once serving");
ABSL_FLAG(std::string, client_ca, "", "PEM bundle of the CAs client certificates chain to");
ABSL_FLAG(std::string, cert, "", "PEM certificate chain of this server");
ABSL_FLAG(std::string, key, "", "PEM private key of this server");
ABSL_FLAG(uint32_t, completion_queues, 1, "completion queues, one polling thread each");
ABSL_FLAG(uint32_t, calls_requested, 1, "calls kept requested per queue");

namespace {

using Service = bench::v1::Noop::AsyncService;

// One call: requested, then answered, then deleted. Its address is the tag
// of both of its completions.
class NoopCall {
 public:
  NoopCall(Service* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), writer_(&context_) {
    service_->RequestCall(&context_, &request_, &writer_, cq_, cq_, this);
  }

  void OnEvent(bool ok) {
    if (answered_ || !ok) {
      delete this;
      return;
    }
    new NoopCall(service_, cq_);  // the next arrival has a call waiting
    answered_ = true;
    if (!request_.payload().empty()) response_.set_payload(request_.payload());
    writer_.Finish(response_, grpc::Status::OK, this);
  }

 private:
  Service* const service_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  bench::v1::NoopRequest request_;
  bench::v1::NoopResponse response_;
  grpc::ServerAsyncResponseWriter<bench::v1::NoopResponse> writer_;
  bool answered_ = false;
};

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !out->empty();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "minimal_noop_server: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "An independent minimal async no-op gRPC server over mutual TLS (a ceiling check).\n"
      "Usage: minimal_noop_server --client_ca=F --cert=F --key=F [--listen=H:P] "
      "[--port_file=F] [--completion_queues=N]");
  absl::ParseCommandLine(argc, argv);
  // As in every binary of the benchmark: Debian's Abseil is built without
  // NDEBUG, and its deadlock detection would tax each of gRPC's locks.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!ReadWhole(absl::GetFlag(FLAGS_client_ca), &tls.pem_root_certs) ||
      !ReadWhole(absl::GetFlag(FLAGS_cert), &pair.cert_chain) ||
      !ReadWhole(absl::GetFlag(FLAGS_key), &pair.private_key)) {
    return Fail("--client_ca, --cert and --key must name readable PEM files");
  }
  tls.pem_key_cert_pairs.push_back(std::move(pair));
  const uint32_t queue_count = absl::GetFlag(FLAGS_completion_queues);
  const uint32_t requested = absl::GetFlag(FLAGS_calls_requested);
  if (queue_count == 0 || requested == 0) {
    return Fail("--completion_queues and --calls_requested must be at least 1");
  }

  Service service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::SslServerCredentials(tls), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (uint32_t i = 0; i < queue_count; ++i) queues.push_back(builder.AddCompletionQueue());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("cannot serve on " + absl::GetFlag(FLAGS_listen));
  }
  std::vector<std::thread> threads;
  for (auto& queue : queues) {
    grpc::ServerCompletionQueue* cq = queue.get();
    for (uint32_t i = 0; i < requested; ++i) new NoopCall(&service, cq);
    threads.emplace_back([cq] {
      void* tag;
      bool ok;
      while (cq->Next(&tag, &ok)) static_cast<NoopCall*>(tag)->OnEvent(ok);
    });
  }

  std::printf("minimal_noop_server: serving bench.v1.Noop over mutual TLS on port %d, %u queues\n",
              port, queue_count);
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
