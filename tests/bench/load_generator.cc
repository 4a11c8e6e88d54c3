// load_generator: drives one unary RPC over mutual TLS with gRPC's async
// (completion-queue) client API and reports throughput and latency.
//
//   load_generator --target=localhost:PORT --rpc=issue --ca=ca.pem
//       --cert=client.pem --key=client.key --in_flight=32 --duration=10s
//       --warmup=2s --json_out=issue.json
//
// RPCs: noop (bench.v1.Noop/Call, the ceiling, served by noop_server or
// minimal_noop_server), issue, validate, renew (sts.v1 on sts_server), health
// (grpc.health.v1 Check on sts_server; a diagnostic, not the ceiling), echo
// and protected_echo (bench.v1.Plain/Echo and bench.v1.Guard/Echo on
// protected_echo_server: the same call unprotected, and protected through
// client/grpc's CreateProtectedChannel under a context issued by the STS at
// --sts_target, or with --protection=call through ProtectCall on each call's
// ClientContext instead, on a channel without interceptor). Every channel is
// built the same way whatever the RPC, so TLS settings are identical across
// runs; protected_echo's channels add only the protecting interceptor, and
// echo --empty_interceptor adds one that does nothing (what gRPC's
// interceptor machinery costs by itself).
//
// Closed loop (default): --in_flight calls are outstanding at all times,
// spread round-robin over --channels connections and --threads completion
// queues; each completion starts the next call at once. Latency runs from
// the call's start to its completion.
//
// Open loop (--rate=QPS): calls start on a fixed schedule whatever the
// server's pace, at most --in_flight outstanding (a start that finds none
// free is counted as "missed", never silently delayed). Latency runs from the
// call's scheduled start, so a server that falls behind is charged for the
// queueing it causes (no coordinated omission).
//
// Every non-OK status counts as an error. Figures cover the measurement
// window only, after --warmup; the calls still outstanding at its end are
// completed but not counted. With --server_pid, the server's CPU time and
// RSS over the window are reported too, so a result can say whether the
// server or this client was the bottleneck.
//
// Validate: --validate_tokens contexts are issued first (as --issuer_cert,
// default --cert, for --applies_to), then validated round-robin as --cert
// (with the relying party's certificate, the realistic caller: it receives
// the key). Renew: one context is issued per in-flight slot, and each slot
// chains its renewals (every renewal changes the key and the instance the
// next proof must use), with a fresh proof of possession per call.
//
// --prefill=N issues N contexts (as the issuer identity, --in_flight of them
// at a time) before the warm-up, so a point runs against a keyring holding N
// live contexts; with validate they are the contexts validated, round-robin.
// --interval=D adds per-interval figures (throughput, errors, the server's
// RSS and CPU) to the result, for sustained runs.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/context/security_context.h"
#include "client/context/sts_api.h"
#include "client/crypto/secret_bytes.h"
#include "client/files.h"
#include "client/grpc/client_interceptor.h"
#include "client/grpc/protected_call.h"
#include "client/sts_client.h"
#include "client/wire/proof.h"
#include "echo.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "noop.grpc.pb.h"
#include "sts/v1/sts.grpc.pb.h"

ABSL_FLAG(std::string, target, "", "host:port of the server");
ABSL_FLAG(std::string, rpc, "noop",
          "noop | issue | validate | renew | health | echo | protected_echo");
ABSL_FLAG(std::string, ca, "", "PEM: CA the server certificate chains to");
ABSL_FLAG(std::string, cert, "", "PEM: client certificate of the calls measured");
ABSL_FLAG(std::string, key, "", "PEM: its key");
ABSL_FLAG(std::string, issuer_cert, "",
          "PEM: identity that issues the contexts Validate uses (default --cert)");
ABSL_FLAG(std::string, issuer_key, "", "PEM: its key (default --key)");
ABSL_FLAG(std::string, applies_to, "", "applies_to of issued contexts");
ABSL_FLAG(int, channels, 1, "connections (each its own channel and TLS session)");
ABSL_FLAG(int, in_flight, 32,
          "closed loop: calls outstanding at all times; open loop: most outstanding");
ABSL_FLAG(int, threads, 1, "client threads, one completion queue each");
ABSL_FLAG(double, rate, 0, "open loop: calls started per second (0: closed loop)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "load before measuring");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measurement window");
ABSL_FLAG(int64_t, count, 0, "stop the window after this many completions (0: by duration)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");
ABSL_FLAG(int, validate_tokens, 1024, "contexts validated round-robin");
ABSL_FLAG(int, payload_bytes, 0, "noop, echo, protected_echo: request payload, echoed back");
ABSL_FLAG(int64_t, prefill, 0,
          "contexts issued (as the issuer) before the warm-up; validate validates them");
ABSL_FLAG(absl::Duration, lifetime, absl::ZeroDuration(),
          "issue, prefill: the lifetime requested (0: the STS's default)");
ABSL_FLAG(absl::Duration, interval, absl::ZeroDuration(),
          "also report throughput, errors and the server's RSS per interval (0: none)");
ABSL_FLAG(std::string, sts_target, "",
          "protected_echo: host:port of the STS that issues the context calls run under");
ABSL_FLAG(std::string, sts_cert, "", "protected_echo: PEM identity for the STS (default --cert)");
ABSL_FLAG(std::string, sts_key, "", "protected_echo: its key (default --key)");
ABSL_FLAG(std::string, protection, "channel",
          "protected_echo: channel (CreateProtectedChannel's interceptor) | call (ProtectCall)");
ABSL_FLAG(bool, empty_interceptor, false,
          "echo: the channels carry a client interceptor that does nothing");
ABSL_FLAG(int, server_pid, 0, "server process, for its CPU time and RSS over the window");
ABSL_FLAG(std::string, label, "", "free text copied into the JSON result");
ABSL_FLAG(std::string, json_out, "", "write the result here as JSON");
ABSL_FLAG(bool, progress, true, "print progress to stderr every second");

namespace sts::bench {
namespace {

using Clock = std::chrono::steady_clock;
using sts::v1::RequestSecurityTokenResponse;
using sts::v1::SecurityTokenService;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------- channels

struct Identity {
  std::string cert_file;
  std::string key_file;
};

// What client/channel.h's MakeMutualTlsChannel builds (SslCredentials from the
// same PEM files), plus a private subchannel pool: without it gRPC would share
// one connection among channels with equal arguments, and --channels would
// not mean connections. With `context`, the channel protects every call
// under it (client/grpc's CreateProtectedChannel); with `empty_interceptor`,
// it carries an interceptor that does nothing; it is otherwise the same.
class EmptyInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};
class EmptyInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new EmptyInterceptor();
  }
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& target, const std::string& ca_file, const Identity& identity,
    std::shared_ptr<context::SecurityContext> context = nullptr,
    bool empty_interceptor = false) {
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadFile(ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadFile(identity.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(identity.key_file);
  if (!key.ok()) return key.status();
  ssl.pem_root_certs = *std::move(ca);
  ssl.pem_cert_chain = *std::move(cert);
  ssl.pem_private_key = *std::move(key);
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel;
  if (context != nullptr) {
    channel = grpc_protect::CreateProtectedChannel(target, grpc::SslCredentials(ssl), args,
                                                   std::move(context));
  } else if (empty_interceptor) {
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> empty;
    empty.push_back(std::make_unique<EmptyInterceptorFactory>());
    channel = grpc::experimental::CreateCustomChannelWithInterceptors(
        target, grpc::SslCredentials(ssl), args, std::move(empty));
  } else {
    channel = grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
  }
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", target));
  }
  return channel;
}

// Calls a pre-fill keeps outstanding: enough to keep the server busy.
constexpr int kBulkInFlight = 64;

// Issues `count` contexts as `request` says on `channel`, `in_flight` at a
// time on the async API, keeping their tokens in `tokens` when not null.
// Any refusal fails the whole: a pre-fill that did not happen would make the
// point measure something else.
absl::Status BulkIssue(const std::shared_ptr<grpc::Channel>& channel,
                       const sts::v1::IssueRequest& request, int64_t count, int in_flight,
                       absl::Duration timeout,
                       std::vector<sts::v1::SecurityContextToken>* tokens) {
  struct Pending {
    grpc::ClientContext context;
    RequestSecurityTokenResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<RequestSecurityTokenResponse>> reader;
  };
  std::unique_ptr<SecurityTokenService::Stub> stub = SecurityTokenService::NewStub(channel);
  grpc::CompletionQueue cq;
  int64_t started = 0, done = 0;
  auto start = [&] {
    auto* p = new Pending();
    p->context.set_deadline(std::chrono::system_clock::now() +
                            absl::ToChronoMilliseconds(timeout));
    p->reader = stub->AsyncIssue(&p->context, request, &cq);
    p->reader->Finish(&p->response, &p->status, p);
    ++started;
  };
  if (tokens != nullptr) tokens->reserve(static_cast<size_t>(count));
  while (started < count && started < in_flight) start();
  absl::Status failure;
  int64_t last_report_ns = NowNanos();
  void* tag = nullptr;
  bool ok = false;
  while (done < started && cq.Next(&tag, &ok)) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(tag));
    ++done;
    if ((!ok || !p->status.ok()) && failure.ok()) {
      failure = absl::UnavailableError(
          absl::StrCat("pre-fill Issue ", done, " of ", count, " failed: ",
                       p->status.error_message()));
    }
    if (failure.ok() && tokens != nullptr) {
      tokens->push_back(std::move(*p->response.mutable_requested_security_token()));
    }
    if (failure.ok() && started < count) start();
    if (const int64_t now = NowNanos(); now - last_report_ns >= 1'000'000'000) {
      std::fprintf(stderr, "[pre-fill] %" PRId64 "/%" PRId64 " contexts issued\n", done, count);
      last_report_ns = now;
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) delete static_cast<Pending*>(tag);
  return failure;
}

// ---------------------------------------------------------------- workloads

// One call in progress; its address is the completion-queue tag.
struct Call {
  virtual ~Call() = default;
  int slot = 0;
  int64_t start_ns = 0;  // when it started, or was scheduled to (open loop)
  grpc::ClientContext context;
  grpc::Status status;
};

template <class Response>
struct TypedCall : Call {
  Response response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

// What is called, and the state carried from one call of a slot to the next.
class Workload {
 public:
  virtual ~Workload() = default;
  // Before any load: e.g. issues the contexts later calls use.
  virtual absl::Status Prepare(int slots) { return absl::OkStatus(); }
  // Starts a call for `slot` on `channel`; `call` completes on `cq`.
  virtual Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) = 0;
  // On completion, before the call is deleted.
  virtual void Complete(Call* call) {}
};

template <class Response>
TypedCall<Response>* NewCall(absl::Duration timeout) {
  auto* call = new TypedCall<Response>();
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoMilliseconds(timeout));
  return call;
}

class NoopWorkload : public Workload {
 public:
  NoopWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels, int payload_bytes,
               absl::Duration timeout)
      : timeout_(timeout) {
    for (const auto& c : channels) stubs_.push_back(::bench::v1::Noop::NewStub(c));
    request_.set_payload(std::string(static_cast<size_t>(payload_bytes), 'p'));
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    auto* call = NewCall<::bench::v1::NoopResponse>(timeout_);
    call->reader = stubs_[channel]->AsyncCall(&call->context, request_, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }

 private:
  std::vector<std::unique_ptr<::bench::v1::Noop::Stub>> stubs_;
  ::bench::v1::NoopRequest request_;
  absl::Duration timeout_;
};

class HealthWorkload : public Workload {
 public:
  HealthWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                 absl::Duration timeout)
      : timeout_(timeout) {
    for (const auto& c : channels) stubs_.push_back(grpc::health::v1::Health::NewStub(c));
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    auto* call = NewCall<grpc::health::v1::HealthCheckResponse>(timeout_);
    call->reader = stubs_[channel]->AsyncCheck(&call->context, request_, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }

 private:
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> stubs_;
  grpc::health::v1::HealthCheckRequest request_;
  absl::Duration timeout_;
};

class IssueWorkload : public Workload {
 public:
  IssueWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                sts::v1::IssueRequest request, absl::Duration timeout)
      : request_(std::move(request)), timeout_(timeout) {
    for (const auto& c : channels) stubs_.push_back(SecurityTokenService::NewStub(c));
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    auto* call = NewCall<RequestSecurityTokenResponse>(timeout_);
    call->reader = stubs_[channel]->AsyncIssue(&call->context, request_, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }

 private:
  std::vector<std::unique_ptr<SecurityTokenService::Stub>> stubs_;
  sts::v1::IssueRequest request_;
  absl::Duration timeout_;
};

class ValidateWorkload : public Workload {
 public:
  // Validates `tokens` contexts issued as `issue` says on `issuer` during
  // Prepare, round-robin.
  ValidateWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   std::shared_ptr<grpc::Channel> issuer, sts::v1::IssueRequest issue,
                   int64_t tokens, absl::Duration timeout)
      : issuer_(std::move(issuer)), issue_(std::move(issue)), tokens_(tokens), timeout_(timeout) {
    for (const auto& c : channels) stubs_.push_back(SecurityTokenService::NewStub(c));
  }
  absl::Status Prepare(int slots) override {
    std::vector<sts::v1::SecurityContextToken> tokens;
    if (absl::Status s = BulkIssue(issuer_, issue_, tokens_, kBulkInFlight, timeout_, &tokens);
        !s.ok()) {
      return s;
    }
    requests_.resize(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      *requests_[i].mutable_validate_target() = std::move(tokens[i]);
    }
    return absl::OkStatus();
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    auto* call = NewCall<sts::v1::ValidateResponse>(timeout_);
    const sts::v1::ValidateRequest& request = requests_[next_++ % requests_.size()];
    call->reader = stubs_[channel]->AsyncValidate(&call->context, request, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }
  void Complete(Call* c) override {
    // A context that is not "valid" is an error too: the STS answered, but
    // not what a relying party needs.
    auto* call = static_cast<TypedCall<sts::v1::ValidateResponse>*>(c);
    if (call->status.ok() && call->response.keys_size() == 0) {
      call->status = grpc::Status(grpc::StatusCode::INTERNAL,
                                  "validate: no key released (" +
                                      call->response.status().reason() + ")");
    }
  }

 private:
  std::shared_ptr<grpc::Channel> issuer_;
  sts::v1::IssueRequest issue_;
  int64_t tokens_;
  absl::Duration timeout_;
  std::vector<std::unique_ptr<SecurityTokenService::Stub>> stubs_;
  std::vector<sts::v1::ValidateRequest> requests_;
  std::atomic<uint64_t> next_{0};
};

class RenewWorkload : public Workload {
 public:
  RenewWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                const std::string& applies_to, absl::Duration timeout)
      : channels_(channels), applies_to_(applies_to), timeout_(timeout) {
    for (const auto& c : channels) stubs_.push_back(SecurityTokenService::NewStub(c));
  }
  absl::Status Prepare(int slots) override {
    StsClient client(channels_[0]);
    sts::v1::IssueRequest issue;
    issue.set_applies_to(applies_to_);
    for (int i = 0; i < slots; ++i) {
      absl::StatusOr<RequestSecurityTokenResponse> issued = client.Issue(issue);
      if (!issued.ok()) return issued.status();
      absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*issued);
      if (!key.ok()) return key.status();
      slots_.push_back(Slot{issued->requested_security_token(), *std::move(key)});
    }
    return absl::OkStatus();
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    Slot& s = slots_[slot];
    // What StsClient::Renew does, on the async API.
    sts::v1::RenewRequest request;
    *request.mutable_renew_target() = s.token;
    const absl::Status proof = wire::MakeProof(
        {wire::kRenewMethod, s.token.identifier(), s.token.instance()}, s.key, absl::Now(),
        wire::RequestDigest(request), request.mutable_proof());
    // A proof cannot fail with a key the STS gave; if it did, the request
    // goes without one and the STS's refusal is counted as an error.
    (void)proof;
    auto* call = NewCall<RequestSecurityTokenResponse>(timeout_);
    call->reader = stubs_[channel]->AsyncRenew(&call->context, request, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }
  void Complete(Call* c) override {
    auto* call = static_cast<TypedCall<RequestSecurityTokenResponse>*>(c);
    if (!call->status.ok()) return;
    absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(call->response);
    if (!key.ok()) {
      call->status = grpc::Status(grpc::StatusCode::INTERNAL, "renew: response without a key");
      return;
    }
    Slot& s = slots_[c->slot];
    s.token = call->response.requested_security_token();
    s.key = *std::move(key);
  }

 private:
  struct Slot {
    sts::v1::SecurityContextToken token;
    crypto::SecretBytes key;
  };
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string applies_to_;
  absl::Duration timeout_;
  std::vector<std::unique_ptr<SecurityTokenService::Stub>> stubs_;
  std::vector<Slot> slots_;  // fixed size after Prepare; each touched by one thread
};

// bench.v1.Plain/Echo, or bench.v1.Guard/Echo on channels that protect
// every call (the interceptor signs each request under one context).
class EchoWorkload : public Workload {
 public:
  // `per_call`: the channels are plain, and each call is protected under it
  // (ProtectCall) before it starts.
  EchoWorkload(const std::vector<std::shared_ptr<grpc::Channel>>& channels, bool guarded,
               int payload_bytes, absl::Duration timeout,
               std::shared_ptr<context::SecurityContext> per_call = nullptr)
      : guarded_(guarded), timeout_(timeout), per_call_(std::move(per_call)) {
    for (const auto& c : channels) {
      if (guarded_) {
        guard_stubs_.push_back(::bench::v1::Guard::NewStub(c));
      } else {
        plain_stubs_.push_back(::bench::v1::Plain::NewStub(c));
      }
    }
    request_.set_payload(std::string(static_cast<size_t>(payload_bytes), 'p'));
  }
  Call* Begin(int slot, int channel, grpc::CompletionQueue* cq) override {
    auto* call = NewCall<::bench::v1::EchoResponse>(timeout_);
    // A call it cannot protect goes out as it is, and the server's refusal
    // counts as an error.
    if (per_call_ != nullptr) {
      (void)grpc_protect::ProtectCall(*per_call_, "/bench.v1.Guard/Echo", request_,
                                      &call->context);
    }
    call->reader = guarded_ ? guard_stubs_[channel]->AsyncEcho(&call->context, request_, cq)
                            : plain_stubs_[channel]->AsyncEcho(&call->context, request_, cq);
    call->reader->Finish(&call->response, &call->status, call);
    return call;
  }
  void Complete(Call* c) override {
    // An answer that is not the request's payload is an error too.
    auto* call = static_cast<TypedCall<::bench::v1::EchoResponse>*>(c);
    if (call->status.ok() && call->response.payload() != request_.payload()) {
      call->status = grpc::Status(grpc::StatusCode::INTERNAL, "echo: payload differs");
    }
  }

 private:
  const bool guarded_;
  absl::Duration timeout_;
  const std::shared_ptr<context::SecurityContext> per_call_;
  std::vector<std::unique_ptr<::bench::v1::Plain::Stub>> plain_stubs_;
  std::vector<std::unique_ptr<::bench::v1::Guard::Stub>> guard_stubs_;
  ::bench::v1::EchoRequest request_;
};

// ---------------------------------------------------------------- running

struct Settings {
  int in_flight = 32;
  int threads = 1;
  int channels = 1;
  double rate = 0;  // 0: closed loop
  int64_t count = 0;
  absl::Duration warmup;
  absl::Duration duration;
};

// Shared between the workers and the progress reporter.
struct Shared {
  std::atomic<int64_t> measure_start_ns{0};  // 0 until the warm-up ends
  std::atomic<int64_t> measure_end_ns{0};    // 0 until the window ends
  std::atomic<int64_t> completed{0};         // every completion, for progress
  std::atomic<int64_t> errors{0};            // every error, for progress
  std::atomic<int64_t> measured{0};          // completions inside the window
  std::atomic<int64_t> measured_ok{0};       // of which succeeded, for --interval
  std::atomic<bool> stop{false};             // no more calls may start
};

struct WorkerResult {
  std::vector<int64_t> latencies_ns;  // inside the window
  int64_t errors = 0;                 // inside the window
  int64_t missed = 0;                 // open loop: starts with no free slot
  std::map<std::string, int64_t> error_codes;
  std::string first_error;
};

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "?";
  }
}

// One client thread: its completion queue, its share of the slots.
void Worker(int index, const Settings& settings, Workload* workload, Shared* shared,
            WorkerResult* result) {
  grpc::CompletionQueue cq;
  std::vector<int> free_slots;  // slots this worker owns that have no call
  for (int slot = index; slot < settings.in_flight; slot += settings.threads) {
    free_slots.push_back(slot);
  }
  const bool open_loop = settings.rate > 0;
  const int64_t interval_ns =
      open_loop ? static_cast<int64_t>(1e9 * settings.threads / settings.rate) : 0;
  int64_t next_send_ns = NowNanos() + (open_loop ? interval_ns * index / settings.threads : 0);
  int outstanding = 0;
  result->latencies_ns.reserve(1 << 20);

  auto start = [&](int64_t start_ns) {
    const int slot = free_slots.back();
    free_slots.pop_back();
    Call* call = workload->Begin(slot, slot % settings.channels, &cq);
    call->slot = slot;
    call->start_ns = start_ns;
    ++outstanding;
  };
  if (!open_loop) {
    while (!free_slots.empty()) start(NowNanos());
  }
  while (true) {
    const bool stop = shared->stop.load(std::memory_order_relaxed);
    if (stop && outstanding == 0) break;
    int64_t now = NowNanos();
    if (open_loop && !stop) {
      while (next_send_ns <= now) {
        if (free_slots.empty()) {
          if (shared->measure_start_ns.load(std::memory_order_relaxed) != 0) ++result->missed;
        } else {
          start(next_send_ns);
        }
        next_send_ns += interval_ns;
      }
    }
    // Wake for the next scheduled start, or at least every 50 ms to notice
    // the end of the run.
    const int64_t wake_ns = open_loop && !stop ? std::min(next_send_ns, now + 50'000'000)
                                               : now + 50'000'000;
    void* tag = nullptr;
    bool ok = false;
    const auto deadline =
        std::chrono::system_clock::now() + std::chrono::nanoseconds(wake_ns - now);
    const grpc::CompletionQueue::NextStatus next = cq.AsyncNext(&tag, &ok, deadline);
    if (next == grpc::CompletionQueue::SHUTDOWN) break;
    if (next == grpc::CompletionQueue::TIMEOUT) continue;
    Call* call = static_cast<Call*>(tag);
    workload->Complete(call);
    const int64_t done_ns = NowNanos();
    shared->completed.fetch_add(1, std::memory_order_relaxed);
    const bool failed = !ok || !call->status.ok();
    if (failed) shared->errors.fetch_add(1, std::memory_order_relaxed);
    const int64_t window_start = shared->measure_start_ns.load(std::memory_order_relaxed);
    const int64_t window_end = shared->measure_end_ns.load(std::memory_order_relaxed);
    if (window_start != 0 && done_ns >= window_start &&
        (window_end == 0 || done_ns <= window_end)) {
      if (failed) {
        ++result->errors;
        ++result->error_codes[CodeName(call->status.error_code())];
        if (result->first_error.empty()) {
          result->first_error = absl::StrCat(CodeName(call->status.error_code()), ": ",
                                             call->status.error_message());
        }
      } else {
        result->latencies_ns.push_back(done_ns - call->start_ns);
        shared->measured_ok.fetch_add(1, std::memory_order_relaxed);
      }
      const int64_t measured = shared->measured.fetch_add(1, std::memory_order_relaxed) + 1;
      if (settings.count > 0 && measured >= settings.count) {
        int64_t expected = 0;
        shared->measure_end_ns.compare_exchange_strong(expected, done_ns);
        shared->stop.store(true, std::memory_order_relaxed);
      }
    }
    free_slots.push_back(call->slot);
    --outstanding;
    delete call;
    if (!open_loop && !shared->stop.load(std::memory_order_relaxed)) start(NowNanos());
  }
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) delete static_cast<Call*>(tag);
}

// ---------------------------------------------------------------- accounting

struct ProcessSample {
  double cpu_seconds = -1;  // user + system
  int64_t rss_bytes = -1;
};

ProcessSample SampleProcess(int pid) {
  ProcessSample sample;
  const std::string dir = pid == 0 ? "/proc/self" : absl::StrCat("/proc/", pid);
  std::ifstream stat(dir + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  const size_t close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::vector<std::string> fields;
    std::string field;
    while (rest >> field) fields.push_back(field);
    // utime and stime are fields 14 and 15 of stat(5): 12 and 13 after ')'.
    if (fields.size() > 13) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      sample.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    }
  }
  std::ifstream status(dir + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      sample.rss_bytes = std::stoll(line.substr(6)) * 1024;
      break;
    }
  }
  return sample;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1000.0;  // microseconds
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "load_generator: %s\n", message.c_str());
  return 2;
}

int Run() {
  Settings settings;
  settings.in_flight = absl::GetFlag(FLAGS_in_flight);
  settings.threads = std::max(1, absl::GetFlag(FLAGS_threads));
  settings.channels = std::max(1, absl::GetFlag(FLAGS_channels));
  settings.rate = absl::GetFlag(FLAGS_rate);
  settings.count = absl::GetFlag(FLAGS_count);
  settings.warmup = absl::GetFlag(FLAGS_warmup);
  settings.duration = absl::GetFlag(FLAGS_duration);
  if (settings.in_flight < settings.threads) {
    return Fail("--in_flight must be at least --threads");
  }
  const std::string rpc = absl::GetFlag(FLAGS_rpc);
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return Fail("--target is required");
  const Identity caller{absl::GetFlag(FLAGS_cert), absl::GetFlag(FLAGS_key)};
  Identity issuer{absl::GetFlag(FLAGS_issuer_cert), absl::GetFlag(FLAGS_issuer_key)};
  if (issuer.cert_file.empty()) issuer = caller;

  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  const std::string ca_file = absl::GetFlag(FLAGS_ca);
  sts::v1::IssueRequest issue;
  issue.set_applies_to(absl::GetFlag(FLAGS_applies_to));
  if (const absl::Duration lifetime = absl::GetFlag(FLAGS_lifetime);
      lifetime > absl::ZeroDuration()) {
    issue.mutable_lifetime()->set_seconds(absl::ToInt64Seconds(lifetime));
    issue.mutable_lifetime()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(lifetime - absl::Seconds(absl::ToInt64Seconds(lifetime)))));
  }
  const int64_t prefill = absl::GetFlag(FLAGS_prefill);
  if (prefill < 0) return Fail("--prefill must not be negative");

  // protected_echo: the one context every call runs under, issued by the STS
  // before any channel to the relying party exists.
  std::shared_ptr<context::SecurityContext> security_context;
  if (rpc == "protected_echo") {
    const std::string sts_target = absl::GetFlag(FLAGS_sts_target);
    if (sts_target.empty()) return Fail("--rpc=protected_echo needs --sts_target");
    Identity holder{absl::GetFlag(FLAGS_sts_cert), absl::GetFlag(FLAGS_sts_key)};
    if (holder.cert_file.empty()) holder = caller;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> sts_channel =
        MakeChannel(sts_target, ca_file, holder);
    if (!sts_channel.ok()) return Fail(std::string(sts_channel.status().message()));
    absl::StatusOr<std::unique_ptr<context::SecurityContext>> issued =
        context::SecurityContext::Issue(
            context::StsApi::FromClient(std::make_shared<const StsClient>(*sts_channel)), issue);
    if (!issued.ok()) return Fail("issuing the context: " + issued.status().ToString());
    security_context = *std::move(issued);
  }

  const std::string protection = absl::GetFlag(FLAGS_protection);
  if (protection != "channel" && protection != "call") {
    return Fail("--protection must be channel or call");
  }
  const bool per_call = rpc == "protected_echo" && protection == "call";
  const bool empty_interceptor = absl::GetFlag(FLAGS_empty_interceptor);
  if (empty_interceptor && rpc != "echo") return Fail("--empty_interceptor is for --rpc=echo");
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < settings.channels; ++i) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(
        target, ca_file, caller, per_call ? nullptr : security_context, empty_interceptor);
    if (!channel.ok()) return Fail(std::string(channel.status().message()));
    channels.push_back(*std::move(channel));
  }
  std::shared_ptr<grpc::Channel> issuer_channel;
  if (rpc == "validate" || prefill > 0) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(target, ca_file, issuer);
    if (!channel.ok()) return Fail(std::string(channel.status().message()));
    issuer_channel = *std::move(channel);
  }
  std::unique_ptr<Workload> workload;
  const int payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  if (rpc == "noop") {
    workload = std::make_unique<NoopWorkload>(channels, payload_bytes, timeout);
  } else if (rpc == "health") {
    workload = std::make_unique<HealthWorkload>(channels, timeout);
  } else if (rpc == "issue") {
    workload = std::make_unique<IssueWorkload>(channels, issue, timeout);
  } else if (rpc == "validate") {
    // The pre-filled contexts are the ones validated.
    workload = std::make_unique<ValidateWorkload>(
        channels, issuer_channel, issue,
        prefill > 0 ? prefill : absl::GetFlag(FLAGS_validate_tokens), timeout);
  } else if (rpc == "renew") {
    workload = std::make_unique<RenewWorkload>(channels, issue.applies_to(), timeout);
  } else if (rpc == "echo" || rpc == "protected_echo") {
    workload = std::make_unique<EchoWorkload>(channels, rpc == "protected_echo", payload_bytes,
                                              timeout, per_call ? security_context : nullptr);
  } else {
    return Fail("unknown --rpc " + rpc);
  }
  const int64_t prepare_start_ns = NowNanos();
  if (prefill > 0 && rpc != "validate") {
    if (absl::Status s = BulkIssue(issuer_channel, issue, prefill, kBulkInFlight, timeout,
                                   nullptr);
        !s.ok()) {
      return Fail("pre-filling: " + s.ToString());
    }
  }
  if (absl::Status s = workload->Prepare(settings.in_flight); !s.ok()) {
    return Fail(absl::StrCat("preparing ", rpc, ": ", s.ToString()));
  }
  const double prepare_s = static_cast<double>(NowNanos() - prepare_start_ns) / 1e9;
  issuer_channel.reset();  // idle from here on

  const std::string name =
      absl::StrCat(rpc, settings.rate > 0 ? absl::StrFormat(" rate=%.0f", settings.rate) : "",
                   " in_flight=", settings.in_flight, " channels=", settings.channels);
  Shared shared;
  std::vector<WorkerResult> results(static_cast<size_t>(settings.threads));
  std::vector<std::thread> workers;
  const int64_t begin_ns = NowNanos();
  for (int i = 0; i < settings.threads; ++i) {
    workers.emplace_back(Worker, i, std::cref(settings), workload.get(), &shared, &results[i]);
  }

  // Phases: warm-up, then the window; progress once a second.
  const bool progress = absl::GetFlag(FLAGS_progress);
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  const int64_t warmup_ns = absl::ToInt64Nanoseconds(settings.warmup);
  const int64_t duration_ns = absl::ToInt64Nanoseconds(settings.duration);
  ProcessSample server_before, server_after, client_before, client_after;
  std::string load_before;
  int64_t last_completed = 0;
  int64_t last_ns = begin_ns;
  int64_t window_start_ns = 0;
  int64_t completed_before_window = 0;
  // --interval: figures per interval of the window.
  struct Interval {
    double end_s;  // since the window started
    int64_t calls;
    int64_t errors;
    double seconds;
    ProcessSample server;
    double server_cpu_cores;
  };
  const int64_t interval_ns = absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_interval));
  std::vector<Interval> intervals;
  int64_t interval_start_ns = 0, interval_ok = 0, interval_measured = 0;
  ProcessSample interval_server;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t now = NowNanos();
    if (window_start_ns == 0 && now - begin_ns >= warmup_ns) {
      if (server_pid != 0) server_before = SampleProcess(server_pid);
      client_before = SampleProcess(0);
      load_before = LoadAverage();
      completed_before_window = shared.completed.load();
      window_start_ns = NowNanos();
      shared.measure_start_ns.store(window_start_ns);
      interval_start_ns = window_start_ns;
      interval_server = server_before;
    }
    const bool done_by_time =
        window_start_ns != 0 && settings.count == 0 && now - window_start_ns >= duration_ns;
    // The window's end closes the open interval too: the 100-ms ticks drift,
    // so the last full interval would otherwise end just after the window
    // and never be reported.
    if (interval_ns > 0 && window_start_ns != 0 &&
        (now - interval_start_ns >= interval_ns ||
         (done_by_time && now - interval_start_ns >= interval_ns / 2))) {
      const int64_t ok_now = shared.measured_ok.load();
      const int64_t measured_now = shared.measured.load();
      Interval i;
      i.end_s = static_cast<double>(now - window_start_ns) / 1e9;
      i.seconds = static_cast<double>(now - interval_start_ns) / 1e9;
      i.calls = ok_now - interval_ok;
      i.errors = (measured_now - interval_measured) - i.calls;
      i.server = server_pid != 0 ? SampleProcess(server_pid) : ProcessSample{};
      i.server_cpu_cores = server_pid != 0 && interval_server.cpu_seconds >= 0 &&
                                   i.server.cpu_seconds >= 0
                               ? (i.server.cpu_seconds - interval_server.cpu_seconds) / i.seconds
                               : -1;
      std::fprintf(stderr,
                   "[interval] %.0f s: %.0f calls/s, %" PRId64 " errors, server RSS %.1f MB, "
                   "server CPU %.2f\n",
                   i.end_s, static_cast<double>(i.calls) / i.seconds, i.errors,
                   static_cast<double>(i.server.rss_bytes) / 1e6, i.server_cpu_cores);
      intervals.push_back(i);
      interval_start_ns = now;
      interval_ok = ok_now;
      interval_measured = measured_now;
      interval_server = i.server;
    }
    const bool done_by_count = shared.stop.load();
    if (done_by_time) {
      shared.measure_end_ns.store(now);
      shared.stop.store(true);
    }
    if (done_by_count || done_by_time) break;
    if (progress && now - last_ns >= 1'000'000'000) {
      const int64_t completed = shared.completed.load();
      const double qps = static_cast<double>(completed - last_completed) * 1e9 /
                         static_cast<double>(now - last_ns);
      const std::string phase =
          window_start_ns == 0
              ? absl::StrFormat("warm-up %.0f/%.0f s", (now - begin_ns) / 1e9,
                                absl::ToDoubleSeconds(settings.warmup))
              : settings.count > 0
                    ? absl::StrFormat("measuring %d/%d calls", shared.measured.load(),
                                      settings.count)
                    : absl::StrFormat("measuring %.0f/%.0f s", (now - window_start_ns) / 1e9,
                                      absl::ToDoubleSeconds(settings.duration));
      std::fprintf(stderr, "[%s] %s: %.0f calls/s, %" PRId64 " errors\n", name.c_str(),
                   phase.c_str(), qps, shared.errors.load());
      last_completed = completed;
      last_ns = now;
    }
  }
  const int64_t window_end_ns = shared.measure_end_ns.load();
  if (server_pid != 0) server_after = SampleProcess(server_pid);
  client_after = SampleProcess(0);
  const std::string load_after = LoadAverage();
  for (std::thread& t : workers) t.join();
  channels.clear();
  workload.reset();

  WorkerResult total;
  for (WorkerResult& r : results) {
    total.latencies_ns.insert(total.latencies_ns.end(), r.latencies_ns.begin(),
                              r.latencies_ns.end());
    total.errors += r.errors;
    total.missed += r.missed;
    for (const auto& [code, n] : r.error_codes) total.error_codes[code] += n;
    if (total.first_error.empty()) total.first_error = r.first_error;
  }
  std::sort(total.latencies_ns.begin(), total.latencies_ns.end());
  const double window_s = static_cast<double>(window_end_ns - window_start_ns) / 1e9;
  const int64_t ok_calls = static_cast<int64_t>(total.latencies_ns.size());
  const double qps = window_s > 0 ? static_cast<double>(ok_calls) / window_s : 0;
  double mean_us = 0;
  for (int64_t ns : total.latencies_ns) mean_us += static_cast<double>(ns) / 1000.0;
  if (ok_calls > 0) mean_us /= static_cast<double>(ok_calls);
  const double p50 = Percentile(total.latencies_ns, 50);
  const double p90 = Percentile(total.latencies_ns, 90);
  const double p99 = Percentile(total.latencies_ns, 99);
  const double p999 = Percentile(total.latencies_ns, 99.9);
  const double max_us =
      total.latencies_ns.empty() ? 0 : static_cast<double>(total.latencies_ns.back()) / 1000.0;
  auto share = [&](const ProcessSample& a, const ProcessSample& b) {
    return a.cpu_seconds < 0 || b.cpu_seconds < 0 || window_s <= 0
               ? -1.0
               : (b.cpu_seconds - a.cpu_seconds) / window_s;
  };
  const double server_cpu = server_pid != 0 ? share(server_before, server_after) : -1;
  const double client_cpu = share(client_before, client_after);

  std::fprintf(stderr,
               "[%s] %.0f calls/s over %.1f s: p50 %.0f us, p99 %.0f us, p99.9 %.0f us; "
               "%" PRId64 " errors%s; CPU: server %.2f, client %.2f cores\n",
               name.c_str(), qps, window_s, p50, p99, p999, total.errors,
               total.first_error.empty() ? "" : (" (first: " + total.first_error + ")").c_str(),
               server_cpu, client_cpu);
  if (total.missed > 0) {
    std::fprintf(stderr, "[%s] %" PRId64 " scheduled starts found no free slot (missed)\n",
                 name.c_str(), total.missed);
  }

  if (const std::string path = absl::GetFlag(FLAGS_json_out); !path.empty()) {
    std::string codes;
    for (const auto& [code, n] : total.error_codes) {
      absl::StrAppend(&codes, codes.empty() ? "" : ", ", JsonString(code), ": ", n);
    }
    std::ofstream out(path);
    out << "{\n"
        << "  \"rpc\": " << JsonString(rpc) << ",\n"
        << "  \"label\": " << JsonString(absl::GetFlag(FLAGS_label)) << ",\n"
        << "  \"mode\": \"" << (settings.rate > 0 ? "open" : "closed") << "\",\n"
        << absl::StrFormat("  \"target_rate\": %.1f,\n", settings.rate)
        << "  \"in_flight\": " << settings.in_flight << ",\n"
        << "  \"channels\": " << settings.channels << ",\n"
        << "  \"threads\": " << settings.threads << ",\n"
        << absl::StrFormat("  \"warmup_s\": %.3f,\n", absl::ToDoubleSeconds(settings.warmup))
        << absl::StrFormat("  \"window_s\": %.3f,\n", window_s)
        << "  \"calls\": " << ok_calls << ",\n"
        << "  \"errors\": " << total.errors << ",\n"
        << "  \"error_codes\": {" << codes << "},\n"
        << "  \"first_error\": " << JsonString(total.first_error) << ",\n"
        << "  \"missed\": " << total.missed << ",\n"
        << absl::StrFormat("  \"qps\": %.1f,\n", qps)
        << absl::StrFormat(
               "  \"latency_us\": {\"mean\": %.1f, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
               "\"p999\": %.1f, \"max\": %.1f},\n",
               mean_us, p50, p90, p99, p999, max_us)
        << absl::StrFormat("  \"server_cpu_cores\": %.3f,\n", server_cpu)
        << absl::StrFormat("  \"client_cpu_cores\": %.3f,\n", client_cpu)
        << "  \"server_rss_bytes\": {\"before\": " << server_before.rss_bytes
        << ", \"after\": " << server_after.rss_bytes << "},\n"
        << "  \"loadavg\": {\"before\": " << JsonString(load_before)
        << ", \"after\": " << JsonString(load_after) << "},\n"
        << "  \"prefill\": " << prefill << ",\n"
        << absl::StrFormat("  \"prepare_s\": %.3f,\n", prepare_s)
        << "  \"completed_before_window\": " << completed_before_window << ",\n"
        << "  \"intervals\": [";
    for (size_t k = 0; k < intervals.size(); ++k) {
      const Interval& i = intervals[k];
      out << (k == 0 ? "\n" : ",\n")
          << absl::StrFormat(
                 "    {\"end_s\": %.3f, \"seconds\": %.3f, \"calls\": %d, \"errors\": %d, "
                 "\"qps\": %.1f, \"server_rss_bytes\": %d, \"server_cpu_cores\": %.3f}",
                 i.end_s, i.seconds, i.calls, i.errors,
                 static_cast<double>(i.calls) / i.seconds, i.server.rss_bytes,
                 i.server_cpu_cores);
    }
    out << (intervals.empty() ? "]\n" : "\n  ]\n") << "}\n";
    if (!out) return Fail("cannot write " + path);
  }
  return 0;
}

}  // namespace
}  // namespace sts::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Drives one unary RPC over mutual TLS (gRPC async API) and reports QPS and latency.\n"
      "Usage: load_generator --target=H:P --rpc=noop|issue|validate|renew|health|echo|"
      "protected_echo --ca=F --cert=F --key=F [--in_flight=N --channels=N --duration=D "
      "--rate=QPS --prefill=N --interval=D ...]");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex that gRPC
  // takes also updates a global lock-order graph (deadlock detection): a few
  // per cent of a call, measured. It is a debugging aid; production is off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return sts::bench::Run();
}
