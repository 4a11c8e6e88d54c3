#include "tests/harness/in_process_sts.h"

#include <utility>

#include "client/wire/proof.h"
#include "google/protobuf/text_format.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/cookie/cookie_store.h"
#include "sts/cookie/master_keyset.h"
#include "sts/keyring/keyring_store.h"
#include "sts/policy/policy.h"
#include "sts/policy/policy_holder.h"
#include "sts/pop/proof_verifier.h"
#include "sts/replay/in_memory_replay_cache.h"
#include "sts/replicas/replica_state.h"

namespace sts::testing {
namespace {

constexpr char kDefaultPolicy[] = R"pb(
  issue { principal: "spiffe://test.example/*" applies_to: "*" }
  validate { principal: "spiffe://test.example/relying-party" release_keys_to_audience: true }
  validate { principal: "spiffe://test.example/stranger" }
)pb";

}  // namespace

// Everything the service borrows, owned here.
struct InProcessSts::Parts {
  std::unique_ptr<policy::PolicyHolder> policy;
  std::unique_ptr<keyring::Keyring> keyring;
  std::unique_ptr<replicas::InMemoryReplicaState> replica_state;
  std::unique_ptr<cookie::CookieSealer> sealer;
  std::unique_ptr<token::ContextStore> store;
  std::unique_ptr<replay::InMemoryReplayCache> replay;
  std::unique_ptr<pop::PrincipalRateLimiter> proof_rate;
  std::unique_ptr<pop::ProofVerifier> proofs;
};

InProcessSts::InProcessSts(const Clock* clock, InProcessStsOptions options)
    : clock_(clock), options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

InProcessSts::~InProcessSts() = default;

absl::StatusOr<std::unique_ptr<InProcessSts>> InProcessSts::Create(const Clock* clock,
                                                                   InProcessStsOptions options) {
  sts::config::PolicyConfig policy_config;
  if (options.policy.has_value()) {
    policy_config = *options.policy;
  } else if (!google::protobuf::TextFormat::ParseFromString(kDefaultPolicy, &policy_config)) {
    return absl::InternalError("the default test policy does not parse");
  }
  absl::StatusOr<policy::Policy> policy = policy::Policy::FromConfig(policy_config);
  if (!policy.ok()) return policy.status();

  std::unique_ptr<InProcessSts> sts(new InProcessSts(clock, std::move(options)));
  Parts& p = *sts->parts_;
  p.policy = std::make_unique<policy::PolicyHolder>(*std::move(policy));
  p.keyring = std::make_unique<keyring::Keyring>(sts->options_.limits);
  if (sts->options_.store == StoreKind::kKeyring) {
    p.store = std::make_unique<keyring::KeyringStore>(p.keyring.get());
  } else {
    cookie::MasterKeysetFile keyset_file;
    if (absl::StatusOr<uint32_t> id = cookie::AddRandomKey(&keyset_file); !id.ok()) {
      return id.status();
    }
    absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> keyset =
        cookie::MasterKeyset::FromProto(keyset_file);
    if (!keyset.ok()) return keyset.status();
    p.sealer = std::make_unique<cookie::CookieSealer>(*std::move(keyset));
    p.replica_state = std::make_unique<replicas::InMemoryReplicaState>();
    cookie::CookieStore::Options cookie_options;
    cookie_options.max_pending_keys = sts->options_.limits.max_pending_keys;
    p.store = std::make_unique<cookie::CookieStore>(cookie_options, p.sealer.get(),
                                                    p.replica_state.get());
  }
  p.replay = std::make_unique<replay::InMemoryReplayCache>(replay::InMemoryReplayCache::Limits{
      sts->options_.replay_entries, sts->options_.replay_entries_per_principal});
  p.proof_rate = std::make_unique<pop::PrincipalRateLimiter>(sts->options_.proof_rate);
  p.proofs = std::make_unique<pop::ProofVerifier>(sts->options_.clock_skew, p.replay.get(),
                                                  p.proof_rate.get());
  sts->service_ = std::make_unique<token::TokenService>(
      sts->options_.tokens, p.policy.get(), p.store.get(), p.proofs.get(), clock);
  return sts;
}

void InProcessSts::SetPolicy(policy::Policy policy) { parts_->policy->Set(std::move(policy)); }

void InProcessSts::Sweep() {
  const absl::Time now = clock_->Now();
  parts_->keyring->Sweep(now);
  if (parts_->replica_state != nullptr) parts_->replica_state->Purge(now);
  parts_->replay->Purge(now);
}

std::optional<keyring::Keyring::Stats> InProcessSts::keyring_stats() const {
  if (options_.store != StoreKind::kKeyring) return std::nullopt;
  return parts_->keyring->stats();
}

std::shared_ptr<InProcessStsClient> InProcessSts::ClientAs(absl::string_view principal) {
  return std::make_shared<InProcessStsClient>(this, clock_, std::string(principal));
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> InProcessStsClient::Issue(
    const sts::v1::IssueRequest& request) {
  ++issues_;
  sts::v1::RequestSecurityTokenResponse response;
  if (absl::Status s = sts_->service().Issue(principal_, request, &response); !s.ok()) return s;
  return response;
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> InProcessStsClient::Renew(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
    const sts::v1::RenewRequest& request) {
  ++renewals_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_next_renew_.ok()) return std::exchange(fail_next_renew_, absl::OkStatus());
  }
  absl::StatusOr<sts::v1::RenewRequest> renew =
      wire::MakeRenewRequest(token, key, clock_->Now(), request);
  if (!renew.ok()) return renew.status();
  sts::v1::RequestSecurityTokenResponse response;
  if (absl::Status s = sts_->service().Renew(principal_, *renew, &response); !s.ok()) return s;
  return response;
}

absl::StatusOr<sts::v1::CancelResponse> InProcessStsClient::Cancel(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key) {
  ++cancels_;
  absl::StatusOr<sts::v1::CancelRequest> cancel =
      wire::MakeCancelRequest(token, key, clock_->Now());
  if (!cancel.ok()) return cancel.status();
  sts::v1::CancelResponse response;
  if (absl::Status s = sts_->service().Cancel(principal_, *cancel, &response); !s.ok()) return s;
  return response;
}

absl::StatusOr<sts::v1::ValidateResponse> InProcessStsClient::Validate(
    const sts::v1::SecurityContextToken& token) {
  ++validations_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fail_validate_.ok()) return fail_validate_;
  }
  sts::v1::ValidateRequest request;
  *request.mutable_validate_target() = token;
  sts::v1::ValidateResponse response;
  if (absl::Status s = sts_->service().Validate(principal_, request, &response); !s.ok()) {
    return s;
  }
  return response;
}

void InProcessStsClient::FailNextRenew(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_renew_ = std::move(status);
}

void InProcessStsClient::FailValidate(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_validate_ = std::move(status);
}

}  // namespace sts::testing
