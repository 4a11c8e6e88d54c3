// protected_echo_server: the relying party of the protected-call benchmark.
// One synchronous gRPC server over mutual TLS serves the same tiny unary call
// twice: bench.v1.Plain/Echo as it is, and bench.v1.Guard/Echo behind
// client/grpc's ProtectService, which checks each call with a Verifier
// before the handler runs. Same process, port, threads, connections and
// handler code: the only difference between the two calls is the message
// protection (the client side adds CreateProtectedChannel's interceptor).
// A synchronous server because ProtectService wraps synchronous services
// only (client/grpc/protected_service.h); tests/bench/README.md says why the
// comparison is fair.
//
// The Verifier resolves contexts with the STS at --sts_target, as the
// relying party (--rp_cert/--rp_key, the contexts' applies_to), so the first
// call under a context costs a Validate and the following ones hit its cache
// ("warm"). --forget_every=N makes every Nth protected call drop the
// caller's context from the cache afterwards, so the next call misses and
// pays a Validate ("one miss per N calls").
//
//   protected_echo_server --client_ca=ca.pem --cert=server.pem --key=server.key
//       --sts_target=127.0.0.1:PORT --rp_cert=rp.pem --rp_key=rp.key
//       --listen=127.0.0.1:0 --port_file=/tmp/port [--forget_every=10000]
//
// On SIGTERM it writes --stats_file (JSON): the calls each service answered,
// the contexts forgotten on schedule and the Verifier's counters, so the
// report can show that a miss run missed.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "client/channel.h"
#include "client/context/sts_api.h"
#include "client/grpc/protected_service.h"
#include "client/sts_client.h"
#include "client/verifier/verifier.h"
#include "echo.grpc.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "sts/config/sts_config.pb.h"
#include "sts/server/credentials.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, port_file, "", "write the bound port here once serving");
ABSL_FLAG(std::string, client_ca, "", "PEM bundle of the CAs client certificates chain to");
ABSL_FLAG(std::string, cert, "", "PEM certificate chain of this server");
ABSL_FLAG(std::string, key, "", "PEM private key of this server");
ABSL_FLAG(std::string, sts_target, "", "host:port of the STS the Verifier validates with");
ABSL_FLAG(std::string, sts_ca, "", "PEM: CA the STS's certificate chains to (default --client_ca)");
ABSL_FLAG(std::string, rp_cert, "", "PEM: this relying party's client certificate for the STS");
ABSL_FLAG(std::string, rp_key, "", "PEM: its key");
ABSL_FLAG(uint64_t, forget_every, 0,
          "drop the caller's context from the Verifier's cache after every Nth protected "
          "call (0: never)");
ABSL_FLAG(std::string, stats_file, "", "write the counters here (JSON) on shutdown");

namespace {

using bench::v1::EchoRequest;
using bench::v1::EchoResponse;

void Answer(const EchoRequest& request, EchoResponse* response) {
  response->set_payload(request.payload());
}

class PlainEcho final : public bench::v1::Plain::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const EchoRequest* request,
                    EchoResponse* response) override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    Answer(*request, response);
    return grpc::Status::OK;
  }
  uint64_t calls() const { return calls_.load(); }

 private:
  std::atomic<uint64_t> calls_{0};
};

// Runs only for calls the wrapper verified.
class GuardEcho final : public bench::v1::Guard::Service {
 public:
  GuardEcho(std::shared_ptr<sts::verifier::Verifier> verifier, uint64_t forget_every)
      : verifier_(std::move(verifier)), forget_every_(forget_every) {}

  grpc::Status Echo(grpc::ServerContext*, const EchoRequest* request,
                    EchoResponse* response) override {
    const uint64_t n = calls_.fetch_add(1, std::memory_order_relaxed) + 1;
    Answer(*request, response);
    if (forget_every_ != 0 && n % forget_every_ == 0) {
      if (const sts::protect::ContextInfo* caller = sts::grpc_protect::CurrentCaller();
          caller != nullptr) {
        verifier_->Forget(caller->identifier);
        forgotten_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return grpc::Status::OK;
  }
  uint64_t calls() const { return calls_.load(); }
  uint64_t forgotten() const { return forgotten_.load(); }

 private:
  const std::shared_ptr<sts::verifier::Verifier> verifier_;
  const uint64_t forget_every_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> forgotten_{0};
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "protected_echo_server: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The protected-call benchmark's relying party: bench.v1.Plain/Echo and, behind "
      "ProtectService, bench.v1.Guard/Echo on one sync gRPC server.\n"
      "Usage: protected_echo_server --client_ca=F --cert=F --key=F --sts_target=H:P "
      "--rp_cert=F --rp_key=F [--listen=H:P --port_file=F --forget_every=N --stats_file=F]");
  absl::ParseCommandLine(argc, argv);
  // As in every binary of the benchmark: Debian's Abseil is built without
  // NDEBUG, and its deadlock detection would tax each of gRPC's locks.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::GetFlag(FLAGS_sts_target).empty() || absl::GetFlag(FLAGS_rp_cert).empty() ||
      absl::GetFlag(FLAGS_rp_key).empty()) {
    return Fail("--sts_target, --rp_cert and --rp_key are required");
  }
  sts::ChannelOptions sts_channel;
  sts_channel.address = absl::GetFlag(FLAGS_sts_target);
  sts_channel.ca_file = absl::GetFlag(FLAGS_sts_ca).empty() ? absl::GetFlag(FLAGS_client_ca)
                                                            : absl::GetFlag(FLAGS_sts_ca);
  sts_channel.cert_file = absl::GetFlag(FLAGS_rp_cert);
  sts_channel.key_file = absl::GetFlag(FLAGS_rp_key);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = sts::MakeMutualTlsChannel(sts_channel);
  if (!channel.ok()) return Fail(std::string(channel.status().message()));
  auto verifier = std::make_shared<sts::verifier::Verifier>(
      sts::context::StsApi::FromClient(std::make_shared<const sts::StsClient>(*channel)));

  sts::config::TlsConfig tls;
  tls.set_client_ca_file(absl::GetFlag(FLAGS_client_ca));
  tls.set_cert_file(absl::GetFlag(FLAGS_cert));
  tls.set_key_file(absl::GetFlag(FLAGS_key));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      sts::server::MutualTlsCredentials(tls);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));

  PlainEcho plain;
  GuardEcho guard(verifier, absl::GetFlag(FLAGS_forget_every));
  absl::StatusOr<std::unique_ptr<grpc::Service>> guarded = sts::grpc_protect::ProtectService(
      &guard, bench::v1::Guard::service_full_name(), verifier);
  if (!guarded.ok()) return Fail(std::string(guarded.status().message()));

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.RegisterService(&plain);
  builder.RegisterService(guarded->get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("cannot serve on " + absl::GetFlag(FLAGS_listen));
  }
  std::printf("protected_echo_server: serving bench.v1.Plain and bench.v1.Guard on port %d\n",
              port);
  std::fflush(stdout);
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    std::ofstream(path + ".tmp") << port << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }

  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();

  const sts::verifier::VerifierStats stats = verifier->stats();
  const std::string json = absl::StrFormat(
      "{\"plain_calls\": %d, \"guard_calls\": %d, \"forgotten\": %d, \"validations\": %d, "
      "\"cache_hits\": %d, \"negative_hits\": %d}\n",
      plain.calls(), guard.calls(), guard.forgotten(), stats.validations, stats.hits,
      stats.negative_hits);
  std::fputs(json.c_str(), stderr);
  if (const std::string path = absl::GetFlag(FLAGS_stats_file); !path.empty()) {
    std::ofstream out(path);
    out << json;
    if (!out) return Fail("cannot write " + path);
  }
  return 0;
}
