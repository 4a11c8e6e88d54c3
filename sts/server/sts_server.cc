#include "sts/server/sts_server.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/crypto/constant_time.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "client/wire/scrub.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/server_builder.h"
#include "sts/cookie/cookie_store.h"
#include "sts/cookie/master_keyset.h"
#include "sts/keyring/keyring_store.h"
#include "sts/policy/principal.h"
#include "sts/replay/redis_replay_cache.h"
#include "sts/replicas/redis_replica_state.h"
#include "sts/server/async_unary.h"
#include "sts/server/credentials.h"
#include "sts/server/peer_identity.h"
#include "sts/server/redis_options.h"

namespace sts::server {
namespace {

using sts::v1::SecurityTokenService;

// Calls each method keeps requested on each completion queue. More than one,
// so a burst of arrivals does not wait for the polling thread to re-request.
constexpr int kCallsPerMethodPerQueue = 16;
constexpr char kServiceName[] = "sts.v1.SecurityTokenService";

// What the audit line says about a call, taken from its request and response.
struct AuditFields {
  absl::string_view identifier;
  absl::string_view instance;
  absl::string_view applies_to;
};
AuditFields Describe(const sts::v1::IssueRequest& q,
                     const sts::v1::RequestSecurityTokenResponse& r) {
  return {r.requested_security_token().identifier(), r.requested_security_token().instance(),
          q.applies_to()};
}
AuditFields Describe(const sts::v1::RenewRequest& q,
                     const sts::v1::RequestSecurityTokenResponse& r) {
  return {q.renew_target().identifier(), r.requested_security_token().instance(),
          r.applies_to()};
}
AuditFields Describe(const sts::v1::CancelRequest& q, const sts::v1::CancelResponse&) {
  return {q.cancel_target().identifier(), q.proof().instance(), ""};
}
AuditFields Describe(const sts::v1::ValidateRequest& q, const sts::v1::ValidateResponse& r) {
  return {q.validate_target().identifier(), r.token().instance(), r.applies_to()};
}
AuditFields Describe(const sts::v1::AmendRequest& q,
                     const sts::v1::RequestSecurityTokenResponse&) {
  return {q.amend_target().identifier(), q.proof().instance(), ""};
}

// Removes gRPC's reflection plugin from the builder it is set on.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
                                    return p->name() == "proto_server_reflection";
                                  }),
                   plugins->end());
  }
};

// Identifies a version of a file: changes when it is replaced or rewritten.
std::string FileSignature(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

}  // namespace

absl::StatusOr<std::unique_ptr<StsServer>> StsServer::Start(const sts::config::StsConfig& config,
                                                            const Clock* clock,
                                                            ConfigSource source) {
  std::unique_ptr<StsServer> server(new StsServer(clock));
  server->config_source_ = std::move(source);
  if (absl::Status s = server->Init(config); !s.ok()) {
    server->Shutdown();
    return s;
  }
  return server;
}

absl::Status StsServer::Init(const sts::config::StsConfig& input) {
  sts::config::StsConfig config = input;
  if (absl::Status s = sts::config::ApplyDefaultsAndValidate(&config); !s.ok()) return s;
  absl::StatusOr<config::Settings> settings = config::ResolveSettings(config);
  if (!settings.ok()) return settings.status();
  settings_ = *settings;
  running_config_ = config;
  if (!config_source_.path.empty()) config_signature_ = FileSignature(config_source_.path);
  next_config_check_ = clock_->Now() + settings_.config_check_interval;
  if (!config.metrics().listen_address().empty()) {
    metrics_ = std::make_unique<metrics::ServerMetrics>(settings_.top_principals);
  }

  absl::StatusOr<std::unique_ptr<audit::AuditLog>> audit =
      audit::AuditLog::Open(config.audit().path());
  if (!audit.ok()) return audit.status();
  audit_ = *std::move(audit);
  absl::StatusOr<policy::Policy> policy = policy::Policy::FromConfig(config.policy());
  if (!policy.ok()) return policy.status();
  policy_ = std::make_unique<policy::PolicyHolder>(*std::move(policy));
  keyring_ = std::make_unique<keyring::Keyring>(settings_.keyring);
  if (absl::Status s = InitStore(config); !s.ok()) return s;
  pop::PrincipalRateLimiter::Limits rate;
  rate.per_second = settings_.proof_rate_per_principal;
  rate.burst = settings_.proof_burst_per_principal;
  proof_rate_limiter_ = std::make_unique<pop::PrincipalRateLimiter>(rate);
  proofs_ = std::make_unique<pop::ProofVerifier>(settings_.clock_skew, replay_cache_.get(),
                                                 proof_rate_limiter_.get());
  tokens_ = std::make_unique<token::TokenService>(settings_.tokens, policy_.get(), store_.get(),
                                                  proofs_.get(), clock_);

  absl::StatusOr<std::unique_ptr<TlsFileStage>> tls_files = TlsFileStage::Create(config.tls());
  if (!tls_files.ok()) return tls_files.status();
  tls_files_ = *std::move(tls_files);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MutualTlsCredentials(tls_files_->staged(),
                           static_cast<unsigned int>(absl::ToInt64Seconds(settings_.tls_reload_interval)));
  if (!credentials.ok()) return credentials.status();

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), *credentials, &port_);
  builder.RegisterService(&service_);
  // The services health reports on, the same on both ports.
  const std::vector<std::string> health_services{kServiceName};
  health_ = std::make_unique<HealthService>(&serving_, health_services);
  builder.RegisterService(health_->service());
  builder.SetMaxReceiveMessageSize(static_cast<int>(settings_.max_request_bytes));
  for (uint32_t i = 0; i < settings_.completion_queues; ++i) {
    queues_.push_back(builder.AddCompletionQueue());
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve on ", config.listen_address(), " (address in use?)"));
  }

  if (!config.health_listen_address().empty()) {
    grpc::ServerBuilder health_builder;
    // Health only: gRPC's reflection plugin registers itself with every
    // builder, so it is taken off this one (a plaintext port must not list
    // or describe the services).
    health_builder.SetOption(std::make_unique<WithoutReflection>());
    health_builder.AddListeningPort(config.health_listen_address(),
                                    grpc::InsecureServerCredentials(), &health_port_);
    health_port_health_ = std::make_unique<HealthService>(&serving_, health_services);
    health_builder.RegisterService(health_port_health_->service());
    health_queue_ = health_builder.AddCompletionQueue();
    health_server_ = health_builder.BuildAndStart();
    if (health_server_ == nullptr || health_port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot serve health on ",
                                                 config.health_listen_address()));
    }
    health_port_health_->Serve(health_queue_.get());
    health_queue_thread_ = std::thread([cq = health_queue_.get()] { RunQueue(cq); });
  }

  if (metrics_ != nullptr) {
    metrics::StateSources sources;
    sources.stateless = sealer_ != nullptr;
    sources.keyring = keyring_.get();
    sources.keyring_limits = settings_.keyring;
    sources.replay_cache = local_replay_cache_;
    sources.replay_cache_capacity = settings_.replay_cache_entries;
    sources.replica_state = local_replica_state_;
    sources.replica_state_capacity = settings_.max_in_process_entries;
    sources.sealer = sealer_.get();
    sources.redis = redis_.get();
    sources.certificate_file = config.tls().cert_file();
    if (absl::Status s = metrics_->Serve(config.metrics().listen_address(), std::move(sources));
        !s.ok()) {
      return s;
    }
  }

  RegisterMethods();
  for (auto& queue : queues_) health_->Serve(queue.get());
  serving_.store(true, std::memory_order_release);
  for (auto& queue : queues_) {
    grpc::ServerCompletionQueue* cq = queue.get();
    queue_threads_.emplace_back([cq] { RunQueue(cq); });
  }
  sweeper_ = std::thread([this, interval = settings_.sweep_interval] { SweeperLoop(interval); });
  return absl::OkStatus();
}

absl::Status StsServer::InitStore(const sts::config::StsConfig& config) {
  if (!config.redis().address().empty()) {
    absl::StatusOr<redis::RedisClient::Options> options =
        RedisOptionsFromConfig(config.redis(), settings_.redis_timeout);
    if (!options.ok()) return options.status();
    if (metrics_ != nullptr) {
      options->on_command = [m = metrics_.get()](absl::Duration elapsed, bool answered) {
        m->redis().OnCommand(elapsed, answered);
      };
    }
    redis_ = std::make_unique<redis::RedisClient>(*options);
    redis_pool_ = std::make_unique<WorkerPool>(settings_.redis_workers, settings_.redis_queue_limit);
    replay_cache_ =
        std::make_unique<replay::RedisReplayCache>(redis_.get(), config.redis().key_prefix());
  } else {
    auto local = std::make_unique<replay::InMemoryReplayCache>(replay::InMemoryReplayCache::Limits{
        settings_.replay_cache_entries, settings_.replay_entries_per_principal});
    local_replay_cache_ = local.get();
    replay_cache_ = std::move(local);
  }
  if (!config.stateless().enabled()) {
    store_ = std::make_unique<keyring::KeyringStore>(keyring_.get());
    return absl::OkStatus();
  }
  keyset_file_ = config.stateless().keyset_file();
  keyset_signature_ = FileSignature(keyset_file_);
  next_keyset_check_ = clock_->Now() + settings_.keyset_check_interval;
  absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> keyset =
      cookie::MasterKeyset::Load(keyset_file_);
  if (!keyset.ok()) return keyset.status();
  sealer_ = std::make_unique<cookie::CookieSealer>(*std::move(keyset));
  if (redis_ != nullptr) {
    replica_state_ =
        std::make_unique<replicas::RedisReplicaState>(redis_.get(), config.redis().key_prefix());
  } else {
    auto local = std::make_unique<replicas::InMemoryReplicaState>(settings_.max_in_process_entries);
    local_replica_state_ = local.get();
    replica_state_ = std::move(local);
  }
  cookie::CookieStore::Options options;
  options.max_pending_keys = settings_.keyring.max_pending_keys;
  options.refuse_validate_when_unavailable = config.redis().refuse_validate_when_unavailable();
  options.release_keys_when_unavailable = config.redis().release_keys_when_unavailable();
  store_ = std::make_unique<cookie::CookieStore>(options, sealer_.get(), replica_state_.get());
  return absl::OkStatus();
}

void StsServer::MaybeReloadKeyset() {
  const absl::Time now = clock_->Now();
  if (sealer_ == nullptr || now < next_keyset_check_) return;
  next_keyset_check_ = now + settings_.keyset_check_interval;
  const std::string signature = FileSignature(keyset_file_);
  if (signature.empty() || signature == keyset_signature_) return;
  absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> keyset =
      cookie::MasterKeyset::Load(keyset_file_);
  if (!keyset.ok()) {
    // Keep serving with the keyset already loaded; say so once per change.
    std::fprintf(stderr, "sts_server: master keyset not reloaded: %s\n",
                 std::string(keyset.status().message()).c_str());
    keyset_signature_ = signature;
    if (metrics_ != nullptr) metrics_->reloads().Rejected(metrics::ReloadMetrics::File::kKeyset);
    return;
  }
  if (metrics_ != nullptr) metrics_->reloads().Applied(metrics::ReloadMetrics::File::kKeyset);
  std::fprintf(stderr, "sts_server: master keyset reloaded: %zu keys, primary %u\n",
               (*keyset)->size(), (*keyset)->primary_id());
  sealer_->SetKeyset(*std::move(keyset));
  keyset_signature_ = signature;
}

void StsServer::MaybeReloadConfig() {
  if (!config_source_.load) return;
  const absl::Time now = clock_->Now();
  if (now < next_config_check_) return;
  next_config_check_ = now + settings_.config_check_interval;
  const std::string signature = FileSignature(config_source_.path);
  if (signature.empty() || signature == config_signature_) return;
  config_signature_ = signature;  // one verdict, and one log line, per change
  absl::StatusOr<sts::config::StsConfig> next = config_source_.load();
  absl::StatusOr<policy::Policy> policy =
      next.ok() ? policy::Policy::FromConfig(next->policy()) : next.status();
  if (!policy.ok()) {
    std::fprintf(stderr, "sts_server: configuration %s not reloaded, the running one stays: %s\n",
                 config_source_.path.c_str(), std::string(policy.status().message()).c_str());
    if (metrics_ != nullptr) metrics_->reloads().Rejected(metrics::ReloadMetrics::File::kConfig);
    return;
  }
  std::vector<std::string> restart_needed;
  bool policy_changed = false;
  for (std::string& field : sts::config::ChangedFields(running_config_, *next)) {
    if (field == "policy") {
      policy_changed = true;
    } else {
      restart_needed.push_back(std::move(field));
    }
  }
  if (policy_changed) {
    policy_->Set(*std::move(policy));
    *running_config_.mutable_policy() = next->policy();
    std::fprintf(stderr, "sts_server: policy reloaded from %s: %d issue rules, %d validate rules%s\n",
                 config_source_.path.c_str(), next->policy().issue_size(),
                 next->policy().validate_size(),
                 next->policy().issue_size() == 0 ? " (every Issue is now refused)" : "");
  }
  if (!restart_needed.empty()) {
    std::fprintf(stderr, "sts_server: configuration changes that wait for a restart: %s\n",
                 absl::StrJoin(restart_needed, ", ").c_str());
  }
  if (metrics_ != nullptr) {
    metrics_->reloads().Applied(metrics::ReloadMetrics::File::kConfig);
    metrics_->reloads().SetRestartPending(!restart_needed.empty());
  }
}

template <class Request, class Response>
grpc::Status StsServer::Serve(
    absl::string_view operation,
    absl::Status (token::TokenService::*logic)(absl::string_view, const Request&, Response*) const,
    grpc::ServerContext& context, const Request& request, Response* response) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> principal = policy::PrincipalOf(PeerIdentityOf(context));
  const absl::Status status = principal.ok() ? (tokens_.get()->*logic)(*principal, request, response)
                                             : principal.status();
  return Answer(operation, start, principal, status, context, request, *response);
}

template <class Request, class Response>
grpc::Status StsServer::Answer(absl::string_view operation, absl::Time start,
                               const absl::StatusOr<std::string>& principal,
                               const absl::Status& status, grpc::ServerContext& context,
                               const Request& request, const Response& response) {
  const AuditFields fields = Describe(request, response);
  const std::string peer = context.peer();
  audit::AuditEvent event;
  event.time = clock_->Now();
  event.operation = operation;
  event.principal = principal.ok() ? absl::string_view(*principal) : absl::string_view();
  event.peer = peer;
  event.identifier = fields.identifier;
  event.instance = fields.instance;
  event.applies_to = fields.applies_to;
  event.status = &status;
  event.latency = absl::Now() - start;
  audit_->Record(event);
  if (metrics_ != nullptr) metrics_->Record(operation, principal, status, event.latency);
  return wire::ToGrpcStatus(status);
}

bool StsServer::MayWaitOnRedis(absl::string_view operation) const {
  // Renew and Cancel check proofs against the replay cache (in Redis with
  // Redis configured) and, for stateless contexts, write the replica state;
  // Validate of a stateless context reads it. Issue never needs Redis, nor
  // does anything in the keyring.
  if (operation == "Renew" || operation == "Cancel") return true;
  return operation == "Validate" && replica_state_ != nullptr && local_replica_state_ == nullptr;
}

void StsServer::RegisterMethods() {
  using Service = SecurityTokenService::AsyncService;
  auto add = [this](auto request_fn, absl::string_view operation, auto logic, auto scrub,
                    auto scrub_request) {
    using Traits = decltype(MethodTraits(request_fn));
    using Request = typename Traits::first_type;
    using Response = typename Traits::second_type;
    auto method = std::make_shared<AsyncUnaryMethod<Service, Request, Response>>();
    method->service = &service_;
    method->request = request_fn;
    method->handler = [this, operation, logic](grpc::ServerContext& context,
                                               const Request& request, Response* response) {
      return Serve<Request, Response>(operation, logic, context, request, response);
    };
    method->scrub = scrub;
    method->scrub_request = scrub_request;
    if (redis_pool_ != nullptr && MayWaitOnRedis(operation)) {
      method->pool = redis_pool_.get();
      method->busy = [this, operation](grpc::ServerContext& context, const Request& request,
                                       Response* response) {
        const absl::Time start = absl::Now();
        return Answer<Request, Response>(
            operation, start, policy::PrincipalOf(PeerIdentityOf(context)),
            wire::Refuse(wire::Refusal::kUnavailable,
                         "the STS is busy with calls waiting on its shared state; retry later"),
            context, request, *response);
      };
    }
    for (auto& queue : queues_) {
      for (int i = 0; i < kCallsPerMethodPerQueue; ++i) {
        AsyncUnaryCall<Service, Request, Response>::Start(method.get(), queue.get());
      }
    }
    methods_.push_back(std::move(method));
  };
  using sts::v1::AmendRequest;
  using sts::v1::CancelRequest;
  using sts::v1::CancelResponse;
  using sts::v1::IssueRequest;
  using sts::v1::RenewRequest;
  using sts::v1::RequestSecurityTokenResponse;
  using sts::v1::ValidateRequest;
  using sts::v1::ValidateResponse;
  add(&Service::RequestIssue, "Issue", &token::TokenService::Issue,
      static_cast<void (*)(RequestSecurityTokenResponse*)>(&wire::ScrubResponse),
      static_cast<void (*)(IssueRequest*)>(&wire::ScrubRequest));
  add(&Service::RequestRenew, "Renew", &token::TokenService::Renew,
      static_cast<void (*)(RequestSecurityTokenResponse*)>(&wire::ScrubResponse),
      static_cast<void (*)(RenewRequest*)>(&wire::ScrubRequest));
  add(&Service::RequestCancel, "Cancel", &token::TokenService::Cancel,
      static_cast<void (*)(CancelResponse*)>(nullptr), static_cast<void (*)(CancelRequest*)>(nullptr));
  add(&Service::RequestValidate, "Validate", &token::TokenService::Validate,
      static_cast<void (*)(ValidateResponse*)>(&wire::ScrubResponse),
      static_cast<void (*)(ValidateRequest*)>(nullptr));
  add(&Service::RequestAmend, "Amend", &token::TokenService::Amend,
      static_cast<void (*)(RequestSecurityTokenResponse*)>(&wire::ScrubResponse),
      static_cast<void (*)(AmendRequest*)>(nullptr));
}

void StsServer::SweepNow() {
  const absl::Time now = clock_->Now();
  keyring_->Sweep(now);
  if (local_replay_cache_ != nullptr) local_replay_cache_->Purge(now);
  if (local_replica_state_ != nullptr) local_replica_state_->Purge(now);
  std::lock_guard<std::mutex> lock(reload_mu_);
  MaybeReloadKeyset();
  MaybeReloadConfig();
  if (tls_files_ != nullptr) tls_files_->Refresh();
}

void StsServer::SweeperLoop(absl::Duration interval) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(interval), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    SweepNow();
    lock.lock();
  }
}

void StsServer::Shutdown() {
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  serving_.store(false, std::memory_order_release);
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoSeconds(settings_.drain_timeout));
  }
  if (health_server_ != nullptr) health_server_->Shutdown();
  if (health_queue_ != nullptr) health_queue_->Shutdown();
  if (health_queue_thread_.joinable()) health_queue_thread_.join();
  // The pool's calls post Finish to the queues: they drain first.
  if (redis_pool_ != nullptr) redis_pool_->Shutdown();
  for (auto& queue : queues_) queue->Shutdown();
  for (std::thread& t : queue_threads_) t.join();
  queue_threads_.clear();
  if (sweeper_.joinable()) sweeper_.join();
  // Its gauges read the stores: it stops before they are cleared.
  if (metrics_ != nullptr) metrics_->Stop();
  if (keyring_ != nullptr) erased_at_shutdown_ = keyring_->Clear();
  if (audit_ != nullptr) audit_->Flush();
}

StsServer::~StsServer() { Shutdown(); }

}  // namespace sts::server
