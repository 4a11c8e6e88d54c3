#include "tests/soak/soak.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/channel.h"
#include "client/clock.h"
#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/crypto/secret_bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "sts/cookie/master_keyset.h"
#include "sts/v1/sts.grpc.pb.h"
#include "tests/harness/redis_process.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"
#include "tests/soak/raw_peers.h"
#include "tests/soak/relay.h"

namespace sts::soak {
namespace {

using sts::testing::TestPki;
using sts::v1::RequestSecurityTokenResponse;

constexpr char kAudience[] = "spiffe://test.example/relying-party";
constexpr absl::Duration kCallTimeout = absl::Seconds(10);
// Proof windows and retention shortened (from 5 and 10 minutes) so that the
// server's state reaches its steady size within the settle time; quotas on
// proofs lifted, since every well-formed client here is one principal.
constexpr char kSoakTokens[] =
    "tokens { clock_skew: \"1m\" retention: \"1m\" proof_rate_per_principal: 1000000 "
    "proof_burst_per_principal: 1000000 replay_entries_per_principal: 900000 }\n";

class Tally {
 public:
  void Add(const std::string& kind, long n = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    counts_[kind] += n;
  }
  std::map<std::string, long> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }
  long Total() const {
    std::lock_guard<std::mutex> lock(mu_);
    long n = 0;
    for (const auto& [kind, count] : counts_) n += count;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, long> counts_;
};

long Sum(const std::map<std::string, long>& counts) {
  long n = 0;
  for (const auto& [kind, count] : counts) n += count;
  return n;
}

std::string Describe(absl::string_view op, const absl::Status& status) {
  std::string out = absl::StrCat(op, " ", absl::StatusCodeToString(status.code()));
  if (const std::string fault = wire::FaultNameOf(status); !fault.empty()) {
    absl::StrAppend(&out, " ", fault);
  }
  return out;
}

struct Soak {
  Soak(const SoakOptions& o, const TestPki& p) : options(o), pki(p) {}
  const SoakOptions& options;
  const TestPki& pki;
  std::string address;  // localhost:port, the TLS port
  int port = 0;
  std::atomic<bool> stop{false};
  Tally ok, failed, misbehaviour, unexpected;
  std::mutex stall_mu;
  absl::Duration longest_stall;  // guarded by stall_mu

  StsClient Client(const std::string& who) const {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakeMutualTlsChannel(pki.As(who, address));
    return StsClient(*channel, Clock::Real(), kCallTimeout);
  }
  // Sleeps `d`, or less once stopping.
  void Pause(absl::Duration d) const {
    const absl::Time until = absl::Now() + d;
    while (!stop && absl::Now() < until) {
      absl::SleepFor(std::min(absl::Milliseconds(100), until - absl::Now()));
    }
  }
  // Issues a context as the misbehaving principal (dns:client.test.example).
  absl::StatusOr<RequestSecurityTokenResponse> IssueAsOther(const StsClient& other) {
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    absl::StatusOr<RequestSecurityTokenResponse> r = other.Issue(request);
    if (!r.ok()) unexpected.Add(Describe("misbehaving client's own Issue", r.status()));
    return r;
  }
};

// --------------------------------------------------------------- well formed

// One client's lifecycle loop. A failure is counted by kind and the loop goes
// on with a new context.
void WellFormed(Soak& s, int index) {
  const StsClient owner = s.Client("client");
  const StsClient audience = s.Client("audience");
  auto check = [&](const RequestSecurityTokenResponse& r, const std::string& reason,
                   const std::string& instance) {
    absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(r.requested_security_token());
    if (!v.ok()) {
      s.failed.Add(Describe("Validate", v.status()));
      return false;
    }
    if (v->revocation_state_unknown()) {
      // The STS could not read revocation state in time (Redis): a status
      // without keys, to be retried. Keys with it would be a violation.
      s.failed.Add(v->keys_size() == 0
                       ? "Validate provisional (revocation state unknown), no keys"
                       : "VIOLATION: provisional Validate released keys");
      return false;
    }
    if (v->status().reason() != reason) {
      s.failed.Add(absl::StrCat("Validate said ", v->status().reason(), " for a ", reason,
                                " context"));
      return false;
    }
    if (reason == "valid" && (v->keys_size() == 0 || v->token().instance() != instance)) {
      s.failed.Add("Validate of a valid context without its current key");
      return false;
    }
    if (reason != "valid" && v->keys_size() != 0) {
      s.failed.Add("Validate released the keys of a dead context");
      return false;
    }
    s.ok.Add("Validate");
    return true;
  };
  for (long n = index; !s.stop; ++n) {
    const bool computed = n % 4 == 0;
    std::string entropy;
    sts::v1::IssueRequest issue;
    issue.set_applies_to(kAudience);
    if (computed) {
      entropy = *crypto::RandomBytes(32);
      issue.mutable_entropy()->mutable_binary_secret()->set_value(entropy);
      issue.mutable_entropy()->mutable_binary_secret()->set_type(
          std::string(wire::kBinarySecretNonce));
      issue.set_computed_key_algorithm(std::string(wire::kComputedKeyHkdfSha256));
    }
    absl::StatusOr<RequestSecurityTokenResponse> issued = owner.Issue(issue);
    if (!issued.ok()) {
      s.failed.Add(Describe("Issue", issued.status()));
      continue;
    }
    absl::StatusOr<crypto::SecretBytes> key =
        KeyFromResponse(*issued, crypto::AsBytes(entropy));
    if (!key.ok()) {
      s.failed.Add("Issue answered without a usable key");
      continue;
    }
    s.ok.Add("Issue");
    if (!check(*issued, "valid", "1")) continue;

    sts::v1::RenewRequest renew;
    if (computed) {
      entropy = *crypto::RandomBytes(32);
      renew.mutable_entropy()->mutable_binary_secret()->set_value(entropy);
      renew.mutable_entropy()->mutable_binary_secret()->set_type(
          std::string(wire::kBinarySecretNonce));
      renew.set_computed_key_algorithm(std::string(wire::kComputedKeyHkdfSha256));
    }
    absl::StatusOr<RequestSecurityTokenResponse> renewed =
        owner.Renew(issued->requested_security_token(), key->span(), renew);
    if (!renewed.ok()) {
      s.failed.Add(Describe("Renew", renewed.status()));
      continue;
    }
    key = KeyFromResponse(*renewed, crypto::AsBytes(entropy));
    if (!key.ok()) {
      s.failed.Add("Renew answered without a usable key");
      continue;
    }
    s.ok.Add("Renew");
    if (!check(*renewed, "valid", "2")) continue;

    absl::StatusOr<sts::v1::CancelResponse> cancelled =
        owner.Cancel(renewed->requested_security_token(), key->span());
    if (!cancelled.ok()) {
      s.failed.Add(Describe("Cancel", cancelled.status()));
      continue;
    }
    s.ok.Add("Cancel");
    check(*renewed, "cancelled", "");
  }
}

// ---------------------------------------------------------------- misbehaving

// Validates through a relay that passes the server's bytes on at 2.5 KB/s:
// 32 calls at once on one connection, each answered or timed out.
void SlowReader(Soak& s) {
  const StsClient other = s.Client("dns-client");
  absl::StatusOr<RequestSecurityTokenResponse> token = s.IssueAsOther(other);
  if (!token.ok()) return;
  while (!s.stop) {
    Relay::Options options;
    options.target_port = s.port;
    options.down_bytes_per_tick = 256;
    options.tick = absl::Milliseconds(100);
    options.receive_buffer_bytes = 4096;
    absl::StatusOr<std::unique_ptr<Relay>> relay = Relay::Start(options);
    if (!relay.ok()) {
      s.unexpected.Add("slow reader: no relay");
      return;
    }
    ChannelOptions channel_options =
        s.pki.As("audience", "127.0.0.1:" + std::to_string((*relay)->port()));
    channel_options.server_name = "localhost";
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeMutualTlsChannel(channel_options);
    auto stub = sts::v1::SecurityTokenService::NewStub(*channel);
    constexpr int kCalls = 32;
    struct Call {
      grpc::ClientContext context;
      sts::v1::ValidateResponse response;
      grpc::Status status;
    };
    std::vector<std::unique_ptr<Call>> calls;
    grpc::CompletionQueue cq;
    sts::v1::ValidateRequest request;
    *request.mutable_validate_target() = token->requested_security_token();
    std::vector<std::unique_ptr<grpc::ClientAsyncResponseReader<sts::v1::ValidateResponse>>> rpcs;
    for (int i = 0; i < kCalls; ++i) {
      calls.push_back(std::make_unique<Call>());
      calls[i]->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      rpcs.push_back(stub->PrepareAsyncValidate(&calls[i]->context, request, &cq));
      rpcs[i]->StartCall();
      rpcs[i]->Finish(&calls[i]->response, &calls[i]->status, calls[i].get());
    }
    for (int i = 0; i < kCalls; ++i) {
      void* tag;
      bool ok;
      if (!cq.Next(&tag, &ok)) break;
      const Call* call = static_cast<const Call*>(tag);
      if (call->status.ok() && call->response.status().reason() == "valid") {
        s.misbehaviour.Add("slow reader: answered");
      } else if (call->status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        s.misbehaviour.Add("slow reader: timed out");
      } else {
        s.unexpected.Add(absl::StrCat("slow reader: ",
                                      Describe("Validate", wire::FromGrpcStatus(call->status))));
      }
    }
    cq.Shutdown();
    void* tag;
    bool ok;
    while (cq.Next(&tag, &ok)) {
    }
    rpcs.clear();
    stub.reset();
    channel->reset();
    relay->reset();
    s.Pause(absl::Seconds(1));
  }
  const absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*token);
  if (key.ok()) other.Cancel(token->requested_security_token(), key->span()).IgnoreError();
}

// Calls through a relay that resets both connections after a random number
// of the server's bytes (inside the handshake or the call), and bare
// connect-and-reset on the TLS port.
void AbruptDisconnects(Soak& s) {
  const StsClient other = s.Client("dns-client");
  absl::StatusOr<RequestSecurityTokenResponse> token = s.IssueAsOther(other);
  if (!token.ok()) return;
  std::mt19937 random{std::random_device{}()};
  while (!s.stop) {
    Relay::Options options;
    options.target_port = s.port;
    options.cut_after_down_bytes = std::uniform_int_distribution<int>(1, 4000)(random);
    absl::StatusOr<std::unique_ptr<Relay>> relay = Relay::Start(options);
    if (!relay.ok()) {
      s.unexpected.Add("abrupt disconnect: no relay");
      return;
    }
    {
      ChannelOptions channel_options =
          s.pki.As("audience", "127.0.0.1:" + std::to_string((*relay)->port()));
      channel_options.server_name = "localhost";
      StsClient audience(*MakeMutualTlsChannel(channel_options), Clock::Real(),
                         absl::Seconds(5));
      const absl::StatusOr<sts::v1::ValidateResponse> v =
          audience.Validate(token->requested_security_token());
      if (v.ok() || v.status().code() == absl::StatusCode::kUnavailable ||
          v.status().code() == absl::StatusCode::kDeadlineExceeded) {
        s.misbehaviour.Add((*relay)->cut() > 0 ? "abrupt disconnect: reset mid-connection"
                                               : "abrupt disconnect: answered before the cut");
      } else {
        s.unexpected.Add(absl::StrCat("abrupt disconnect: ", Describe("Validate", v.status())));
      }
    }
    relay->reset();
    if (ConnectAndReset(s.port) == PeerEnd::kClosedByServer) {
      s.misbehaviour.Add("abrupt disconnect: connect and reset");
    }
    s.Pause(absl::Milliseconds(100));
  }
  const absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*token);
  if (key.ok()) other.Cancel(token->requested_security_token(), key->span()).IgnoreError();
}

void Garbage(Soak& s) {
  std::mt19937 random{std::random_device{}()};
  while (!s.stop) {
    const size_t bytes = std::uniform_int_distribution<size_t>(16, 4096)(random);
    const PeerEnd end = SendGarbage(s.port, bytes, absl::Seconds(10), &s.stop);
    if (end == PeerEnd::kClosedByServer) {
      s.misbehaviour.Add("garbage: connection closed by the server");
    } else if (end != PeerEnd::kAbandoned) {
      s.unexpected.Add("garbage: " + PeerEndName(end) + " after 10 s");
    }
    s.Pause(absl::Milliseconds(100));
  }
}

void StalledHandshakes(Soak& s) {
  // gRPC's server gives a handshake 120 s by default: well inside the bound.
  constexpr absl::Duration kBound = absl::Seconds(200);
  while (!s.stop) {
    absl::Duration held;
    const PeerEnd end = StallHandshake(s.port, kBound, &s.stop, &held);
    if (end == PeerEnd::kClosedByServer) {
      s.misbehaviour.Add("stalled handshake: closed by the server");
      std::lock_guard<std::mutex> lock(s.stall_mu);
      s.longest_stall = std::max(s.longest_stall, held);
    } else if (end == PeerEnd::kAbandoned) {
      s.misbehaviour.Add("stalled handshake: still held at the end");
    } else {
      s.unexpected.Add("stalled handshake: " + PeerEndName(end) + " after 200 s");
    }
  }
}

// Expired, future-dated and replayed proofs of possession, each followed by
// the proper call that must still work.
void ProofAbuse(Soak& s) {
  const StsClient other = s.Client("dns-client");
  auto channel = *MakeMutualTlsChannel(s.pki.As("dns-client", s.address));
  auto stub = sts::v1::SecurityTokenService::NewStub(channel);
  auto send = [&](const sts::v1::RenewRequest& request, RequestSecurityTokenResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoSeconds(kCallTimeout));
    return wire::FromGrpcStatus(stub->Renew(&context, request, response));
  };
  auto expect = [&](const absl::Status& status, const std::string& fault,
                    const std::string& kind) {
    if (status.code() == absl::StatusCode::kUnauthenticated && wire::FaultNameOf(status) == fault) {
      s.misbehaviour.Add(kind + ": refused (" + fault + ")");
    } else {
      s.unexpected.Add(kind + ": " + Describe("Renew", status));
    }
  };
  while (!s.stop) {
    absl::StatusOr<RequestSecurityTokenResponse> token = s.IssueAsOther(other);
    if (!token.ok()) {
      s.Pause(absl::Seconds(1));
      continue;
    }
    const absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*token);
    for (const absl::Duration off : {-absl::Minutes(10), absl::Minutes(10)}) {
      FakeClock skewed(absl::Now() + off);
      const StsClient stale(channel, &skewed, kCallTimeout);
      expect(stale.Renew(token->requested_security_token(), key->span()).status(),
             "wst:ExpiredData", off < absl::ZeroDuration() ? "expired proof" : "future proof");
    }
    absl::StatusOr<sts::v1::RenewRequest> renew =
        wire::MakeRenewRequest(token->requested_security_token(), key->span(), absl::Now());
    RequestSecurityTokenResponse renewed;
    if (absl::Status first = send(*renew, &renewed); !first.ok()) {
      s.unexpected.Add("replayed proof: " + Describe("first Renew", first));
      continue;
    }
    RequestSecurityTokenResponse again;
    expect(send(*renew, &again), "wst:FailedAuthentication", "replayed proof");
    const absl::StatusOr<crypto::SecretBytes> new_key = KeyFromResponse(renewed);
    if (absl::Status c = other.Cancel(renewed.requested_security_token(), new_key->span()).status();
        !c.ok()) {
      s.unexpected.Add("after abuse: " + Describe("Cancel", c));
    }
    s.Pause(absl::Milliseconds(200));
  }
}

void Oversized(Soak& s) {
  const StsClient other = s.Client("dns-client");
  while (!s.stop) {
    sts::v1::IssueRequest huge;
    huge.set_context(std::string(100 * 1024, 'c'));
    const absl::Status big = other.Issue(huge).status();
    if (big.code() == absl::StatusCode::kResourceExhausted) {
      s.misbehaviour.Add("oversized request: refused by the transport");
    } else {
      s.unexpected.Add("oversized request: " + Describe("Issue", big));
    }
    sts::v1::IssueRequest field;
    field.set_applies_to(std::string(2000, 'a'));
    const absl::Status long_field = other.Issue(field).status();
    if (long_field.code() == absl::StatusCode::kInvalidArgument &&
        wire::FaultNameOf(long_field) == "wst:InvalidRequest") {
      s.misbehaviour.Add("oversized field: refused (wst:InvalidRequest)");
    } else {
      s.unexpected.Add("oversized field: " + Describe("Issue", long_field));
    }
    s.Pause(absl::Milliseconds(200));
  }
}

std::string Compact(const std::map<std::string, long>& counts) {
  std::vector<std::string> parts;
  for (const auto& [kind, n] : counts) parts.push_back(absl::StrCat(kind, " ", n));
  return absl::StrJoin(parts, ", ");
}

std::string ModeName(SoakOptions::Mode mode) {
  return mode == SoakOptions::Mode::kKeyring ? "keyring" : "cookie";
}

}  // namespace

long SoakReport::well_formed_calls() const { return Sum(ok) + Sum(failed); }
long SoakReport::failures() const { return Sum(failed); }
long SoakReport::unexpected_count() const { return Sum(unexpected); }

absl::StatusOr<SoakReport> RunSoak(const SoakOptions& options) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  if (!pki.ok()) return pki.status();
  std::string config = std::string(sts::testing::kDefaultTestPolicy) + kSoakTokens;
  std::unique_ptr<sts::testing::RedisProcess> redis;
  if (options.mode == SoakOptions::Mode::kCookie) {
    absl::StatusOr<sts::testing::ShippedRedis> shipped = sts::testing::StartShippedRedis();
    if (!shipped.ok()) return shipped.status();
    const std::string keyset_path = sts::testing::NewTempDir("keyset") + "/keyset.textproto";
    cookie::MasterKeysetFile keyset;
    if (absl::Status st = cookie::AddRandomKey(&keyset).status(); !st.ok()) return st;
    if (absl::Status st = cookie::WriteKeysetFile(keyset_path, keyset); !st.ok()) return st;
    absl::StrAppend(&config, "stateless { enabled: true keyset_file: \"", keyset_path, "\" }\n",
                    "redis { address: \"", shipped->process->address(), "\" password_file: \"",
                    shipped->password_file, "\" username: \"", shipped->username, "\" }\n");
    redis = std::move(shipped->process);
  }
  absl::StatusOr<std::unique_ptr<sts::testing::StsProcess>> server =
      sts::testing::StsProcess::Start(*pki, config);
  if (!server.ok()) return server.status();

  SoakReport report;
  report.mode = ModeName(options.mode);
  Soak s(options, *pki);
  s.address = (*server)->address();
  s.port = (*server)->port();
  const absl::Time start = absl::Now();
  auto elapsed = [&] { return absl::ToDoubleSeconds(absl::Now() - start); };
  if (std::optional<ProcessSample> first = SampleProcess((*server)->pid(), 0)) {
    report.samples.push_back(*first);
  }
  std::fprintf(options.out,
               "soak: %s mode, %s, sts_server pid %d on port %d; %d well-formed clients, "
               "misbehaving: slow readers, abrupt disconnects, garbage, %d stalled handshakes, "
               "expired/future/replayed proofs, oversized requests\n",
               report.mode.c_str(), absl::FormatDuration(options.duration).c_str(),
               static_cast<int>((*server)->pid()), s.port, options.clients,
               options.stalled_handshakes);
  std::fflush(options.out);

  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i) threads.emplace_back([&s, i] { WellFormed(s, i); });
  threads.emplace_back([&s] { SlowReader(s); });
  threads.emplace_back([&s] { AbruptDisconnects(s); });
  threads.emplace_back([&s] { Garbage(s); });
  for (int i = 0; i < options.stalled_handshakes; ++i) {
    threads.emplace_back([&s] { StalledHandshakes(s); });
  }
  threads.emplace_back([&s] { ProofAbuse(s); });
  threads.emplace_back([&s] { Oversized(s); });

  long last_ok = 0;
  double last_t = 0;
  while (absl::Now() - start < options.duration) {
    s.Pause(std::min(options.report_interval, options.duration - (absl::Now() - start)));
    const double t = elapsed();
    std::optional<ProcessSample> sample = SampleProcess((*server)->pid(), t);
    if (!sample.has_value() || !(*server)->Running()) {
      report.server_died = true;
      break;
    }
    report.samples.push_back(*sample);
    const std::map<std::string, long> ok = s.ok.Snapshot();
    const long ok_total = Sum(ok);
    std::fprintf(options.out,
                 "[%5.0fs] %s: %6.1f calls/s (%s) | failed %ld | misbehaving %ld, unexpected %ld "
                 "| rss %.1f MiB, fds %d, threads %d\n",
                 t, report.mode.c_str(), (ok_total - last_ok) / std::max(1e-9, t - last_t),
                 Compact(ok).c_str(), s.failed.Total(), s.misbehaviour.Total(),
                 s.unexpected.Total(), sample->rss_kib / 1024.0, sample->open_fds,
                 sample->threads);
    const std::map<std::string, long> failed = s.failed.Snapshot();
    const std::map<std::string, long> unexpected = s.unexpected.Snapshot();
    if (!failed.empty()) std::fprintf(options.out, "         failed: %s\n", Compact(failed).c_str());
    if (!unexpected.empty()) {
      std::fprintf(options.out, "         unexpected: %s\n", Compact(unexpected).c_str());
    }
    std::fprintf(options.out, "         misbehaving: %s\n", Compact(s.misbehaviour.Snapshot()).c_str());
    std::fflush(options.out);
    last_ok = ok_total;
    last_t = t;
  }
  s.stop = true;
  for (std::thread& t : threads) t.join();
  report.seconds = elapsed();
  report.ok = s.ok.Snapshot();
  report.failed = s.failed.Snapshot();
  report.misbehaviour = s.misbehaviour.Snapshot();
  report.unexpected = s.unexpected.Snapshot();
  report.longest_stall_seconds = absl::ToDoubleSeconds(s.longest_stall);

  // Slopes over the settled part of the run (at least its second half when
  // the run is shorter than twice the settle time).
  const double settle = std::min(absl::ToDoubleSeconds(options.settle), report.seconds / 2);
  std::vector<double> x, rss, fds;
  for (const ProcessSample& sample : report.samples) {
    if (sample.seconds < settle) continue;
    x.push_back(sample.seconds / 60);
    rss.push_back(static_cast<double>(sample.rss_kib));
    fds.push_back(sample.open_fds);
  }
  report.rss_slope_kib_per_min = Slope(x, rss);
  report.fd_slope_per_min = Slope(x, fds);
  if (!rss.empty()) {
    report.rss_settled_min_kib = static_cast<long>(*std::min_element(rss.begin(), rss.end()));
    report.rss_settled_max_kib = static_cast<long>(*std::max_element(rss.begin(), rss.end()));
    report.fds_settled_min = static_cast<int>(*std::min_element(fds.begin(), fds.end()));
    report.fds_settled_max = static_cast<int>(*std::max_element(fds.begin(), fds.end()));
  }
  if (!report.server_died) {
    absl::StatusOr<int> code = (*server)->Terminate(absl::Seconds(30));
    report.exit_code = code.ok() ? *code : -1;
  }
  // What the server said (Redis timeouts, reloads, shutdown), for the
  // summary: its last lines.
  const std::string err = (*server)->ReadStderr();
  const size_t keep = 4000;
  report.server_stderr_tail = err.size() > keep ? err.substr(err.size() - keep) : err;
  return report;
}

void PrintSummary(const SoakReport& r, FILE* out) {
  const long ok = Sum(r.ok);
  std::fprintf(out, "== soak summary: %s mode, %.0f s ==\n", r.mode.c_str(), r.seconds);
  std::fprintf(out, "well-formed calls answered as expected: %ld (%.1f/s): %s\n", ok,
               ok / std::max(1.0, r.seconds), Compact(r.ok).c_str());
  std::fprintf(out, "well-formed calls failed: %ld%s%s\n", r.failures(),
               r.failed.empty() ? "" : ": ", Compact(r.failed).c_str());
  std::fprintf(out, "misbehaving clients handled as expected: %ld\n", Sum(r.misbehaviour));
  for (const auto& [kind, n] : r.misbehaviour) std::fprintf(out, "  %-52s %ld\n", kind.c_str(), n);
  std::fprintf(out, "unexpected answers to misbehaving clients: %ld%s%s\n", r.unexpected_count(),
               r.unexpected.empty() ? "" : ": ", Compact(r.unexpected).c_str());
  if (!r.samples.empty()) {
    const ProcessSample& first = r.samples.front();
    const ProcessSample& last = r.samples.back();
    std::fprintf(out,
                 "sts_server RSS: %.1f MiB at start, %.1f MiB at the end; settled %.1f..%.1f MiB, "
                 "slope %+.1f KiB/min\n",
                 first.rss_kib / 1024.0, last.rss_kib / 1024.0, r.rss_settled_min_kib / 1024.0,
                 r.rss_settled_max_kib / 1024.0, r.rss_slope_kib_per_min);
    std::fprintf(out,
                 "sts_server open descriptors: %d at start, %d at the end; settled %d..%d, "
                 "slope %+.2f /min\n",
                 first.open_fds, last.open_fds, r.fds_settled_min, r.fds_settled_max,
                 r.fd_slope_per_min);
  }
  if (r.longest_stall_seconds > 0) {
    std::fprintf(out, "longest stalled handshake before the server closed it: %.1f s\n",
                 r.longest_stall_seconds);
  }
  if (r.failures() > 0 || r.unexpected_count() > 0) {
    std::fprintf(out, "sts_server's stderr, last lines:\n%s\n", r.server_stderr_tail.c_str());
  }
  std::fprintf(out, "sts_server: %s\n",
               r.server_died ? "DIED during the soak"
                             : absl::StrCat("exit code ", r.exit_code, " after SIGTERM").c_str());
  std::fflush(out);
}

}  // namespace sts::soak
