#ifndef STS_SERVER_STS_SERVER_H_
#define STS_SERVER_STS_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "client/clock.h"
#include "grpcpp/server.h"
#include "sts/audit/audit_log.h"
#include "sts/config/config.h"
#include "sts/config/sts_config.pb.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/keyring/keyring.h"
#include "sts/metrics/server_metrics.h"
#include "sts/policy/policy.h"
#include "sts/policy/policy_holder.h"
#include "sts/pop/proof_verifier.h"
#include "sts/redis/redis_client.h"
#include "sts/replay/in_memory_replay_cache.h"
#include "sts/replay/replay_cache.h"
#include "sts/replicas/replica_state.h"
#include "sts/server/health_service.h"
#include "sts/server/tls_files.h"
#include "sts/server/worker_pool.h"
#include "sts/token/context_store.h"
#include "sts/token/token_service.h"
#include "sts/v1/sts.grpc.pb.h"

namespace sts::server {

// The running STS: the sts.v1 service on gRPC's async API over mutual TLS,
// gRPC health and reflection beside it, an optional plaintext health-only
// port, the keyring and its sweeper, the audit log. Everything is built from
// one StsConfig. Thread safe.
class StsServer {
 public:
  // Where the configuration came from, for reloads: the file to watch, and
  // how to make the effective configuration from it (the same flags
  // applied, defaults filled in, validated). Without one, nothing reloads.
  struct ConfigSource {
    std::string path;
    std::function<absl::StatusOr<sts::config::StsConfig>()> load;
  };

  // Builds every part and starts serving; a bad configuration or an address
  // that cannot be bound is an error, never a half-started server. `clock`
  // (borrowed; it must outlive the server) is read through a
  // NonDecreasingClock: the server's time never goes back.
  static absl::StatusOr<std::unique_ptr<StsServer>> Start(const sts::config::StsConfig& config,
                                                          const Clock* clock = Clock::Real(),
                                                          ConfigSource source = {});
  ~StsServer();  // Shutdown(), if not done yet

  // Graceful stop: health turns NOT_SERVING, new calls are refused, calls in
  // flight get up to the drain timeout, then every key is zeroized.
  // Idempotent.
  void Shutdown();

  // The port actually bound (useful with port 0), and the health-only one
  // (0 when not configured).
  int port() const { return port_; }
  int health_port() const { return health_port_; }
  // The metrics listener's port (0 when metrics are off).
  int metrics_port() const { return metrics_ == nullptr ? 0 : metrics_->port(); }

  // Applies every token timeline now (the sweeper thread also does, every
  // tokens.sweep_interval), stages the TLS files again if they changed, and
  // re-reads the keyset and configuration files if their check intervals
  // have passed on the injected clock and the files changed. For tests
  // driven by a fake clock.
  //
  // A changed, valid configuration file replaces the policy in force; any
  // other changed field is logged as waiting for a restart (and
  // sts_config_restart_pending is 1). An invalid file changes nothing: a log
  // line, and sts_reloads_total{file="config",result="rejected"}.
  void SweepNow();

  keyring::Keyring& keyring() { return *keyring_; }
  // Keyring records erased (their keys zeroized) by Shutdown().
  uint64_t erased_at_shutdown() const { return erased_at_shutdown_; }

 private:
  explicit StsServer(const Clock* clock) : never_back_(clock), clock_(&never_back_) {}
  absl::Status Init(const sts::config::StsConfig& config);
  absl::Status InitStore(const sts::config::StsConfig& config);
  void RegisterMethods();
  // Whether `operation`'s handler may wait on Redis in this configuration.
  bool MayWaitOnRedis(absl::string_view operation) const;
  void SweeperLoop(absl::Duration interval);
  // Re-reads the master keyset file if it changed since the last check.
  void MaybeReloadKeyset();
  // Likewise the configuration file (ConfigSource).
  void MaybeReloadConfig();

  template <class Request, class Response>
  grpc::Status Serve(absl::string_view operation,
                     absl::Status (token::TokenService::*logic)(absl::string_view,
                                                                const Request&, Response*) const,
                     grpc::ServerContext& context, const Request& request, Response* response);
  // Audits `status` as the outcome of one call, and converts it for gRPC.
  template <class Request, class Response>
  grpc::Status Answer(absl::string_view operation, absl::Time start,
                      const absl::StatusOr<std::string>& principal, const absl::Status& status,
                      grpc::ServerContext& context, const Request& request,
                      const Response& response);

  // Every decision is made on `clock` seen through a NonDecreasingClock, so
  // a clock stepped forward and back revives nothing (client/clock.h).
  NonDecreasingClock never_back_;
  const Clock* clock_;
  config::Settings settings_;
  // Null when metrics are off: then no call does any metric work.
  std::unique_ptr<metrics::ServerMetrics> metrics_;
  // Reloads (SweepNow may run on the sweeper and a test's thread at once).
  std::mutex reload_mu_;
  ConfigSource config_source_;                // guarded by reload_mu_
  sts::config::StsConfig running_config_;     // likewise: effective, as applied
  std::string config_signature_;              // likewise
  absl::Time next_config_check_;              // likewise
  std::unique_ptr<audit::AuditLog> audit_;
  // The checked copies of the TLS files gRPC reads; outlives server_.
  std::unique_ptr<TlsFileStage> tls_files_;
  std::unique_ptr<keyring::Keyring> keyring_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<replay::ReplayCache> replay_cache_;
  replay::InMemoryReplayCache* local_replay_cache_ = nullptr;  // when not in Redis
  std::unique_ptr<replicas::ReplicaState> replica_state_;
  replicas::InMemoryReplicaState* local_replica_state_ = nullptr;  // when not in Redis
  std::unique_ptr<cookie::CookieSealer> sealer_;
  std::string keyset_file_;
  std::string keyset_signature_;  // what the file looked like when last loaded
  absl::Time next_keyset_check_;
  std::unique_ptr<token::ContextStore> store_;
  std::unique_ptr<policy::PolicyHolder> policy_;
  std::unique_ptr<pop::PrincipalRateLimiter> proof_rate_limiter_;
  std::unique_ptr<pop::ProofVerifier> proofs_;
  std::unique_ptr<token::TokenService> tokens_;
  // The calls that may wait on Redis run here; null without Redis.
  std::unique_ptr<WorkerPool> redis_pool_;

  sts::v1::SecurityTokenService::AsyncService service_;
  // What both ports' health services answer; false from shutdown on.
  std::atomic<bool> serving_{false};
  std::unique_ptr<HealthService> health_;            // on server_
  std::unique_ptr<HealthService> health_port_health_;  // on health_server_
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<grpc::ServerCompletionQueue> health_queue_;
  std::thread health_queue_thread_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> queue_threads_;
  // Type-erased AsyncUnaryMethod objects; they outlive every call.
  std::vector<std::shared_ptr<void>> methods_;
  int port_ = 0;
  int health_port_ = 0;

  // std::mutex rather than absl::Mutex: Debian's Abseil is built without
  // sanitizer annotations, so ThreadSanitizer could not see it synchronize.
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  bool stopped_ = false;   // only touched by Shutdown(), under shutdown_mu_
  uint64_t erased_at_shutdown_ = 0;  // likewise
  std::mutex shutdown_mu_;
  std::thread sweeper_;
};

}  // namespace sts::server

#endif  // STS_SERVER_STS_SERVER_H_
