// InProcessSts: the real STS logic (token::TokenService over a keyring or a
// cookie store, the proof verifier and its replay cache, the policy) in the
// test's own process, on the test's clock, behind the client library's
// context::StsApi. Tests of code built on SecurityContext, Verifier or the
// gRPC protection run against the behaviour the server has, not a copy of it:
// rollover, instance numbering, Validate reasons and refusals all come from
// the one implementation. Only transport is left out (no gRPC, no TLS): the
// caller's principal is given instead of taken from a certificate.
//
// Test-only. Thread safe, like the parts it assembles. Time moves only with
// the injected clock; Sweep() applies what the server's sweeper thread would.
#ifndef STS_TESTS_HARNESS_IN_PROCESS_STS_H_
#define STS_TESTS_HARNESS_IN_PROCESS_STS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/clock.h"
#include "client/context/sts_api.h"
#include "sts/config/sts_config.pb.h"
#include "sts/keyring/keyring.h"
#include "sts/policy/policy.h"
#include "sts/pop/rate_limiter.h"
#include "sts/token/token_service.h"

namespace sts::testing {

// Identities the default policy knows (the same names the test PKI uses).
inline constexpr char kInProcessClient[] = "spiffe://test.example/client";
inline constexpr char kInProcessAudience[] = "spiffe://test.example/relying-party";
// May validate (status only), never receives keys.
inline constexpr char kInProcessBystander[] = "spiffe://test.example/stranger";

enum class StoreKind {
  kKeyring,  // stateful: contexts in this process's keyring
  kCookie,   // stateless: sealed cookies over in-process replica state
};

struct InProcessStsOptions {
  StoreKind store = StoreKind::kKeyring;
  token::TokenOptions tokens;
  keyring::Keyring::Limits limits;
  absl::Duration clock_skew = absl::Minutes(5);
  size_t replay_entries = 900'000;
  size_t replay_entries_per_principal = 16'384;
  pop::PrincipalRateLimiter::Limits proof_rate;
  // Unset: kInProcessClient (and anything under spiffe://test.example/) may
  // obtain contexts for any audience; kInProcessAudience validates with keys
  // released as the audience; kInProcessBystander validates, status only.
  std::optional<sts::config::PolicyConfig> policy;
};

class InProcessStsClient;

class InProcessSts {
 public:
  // Borrows `clock`, which must outlive the STS.
  static absl::StatusOr<std::unique_ptr<InProcessSts>> Create(const Clock* clock,
                                                              InProcessStsOptions options = {});
  ~InProcessSts();

  const token::TokenService& service() const { return *service_; }
  StoreKind store_kind() const { return options_.store; }

  // What the server's sweeper does at the clock's now: expires and forgets
  // keyring records, purges replica state and the replay cache.
  void Sweep();

  // Replaces the policy in force, as a reloaded policy file would.
  void SetPolicy(policy::Policy policy);

  // The keyring's counters (stateful store only; nullopt for cookies, which
  // count nothing).
  std::optional<keyring::Keyring::Stats> keyring_stats() const;

  // An StsApi that calls the service as `principal`, making its proofs as
  // StsClient does. Shares this STS; the STS must outlive it.
  std::shared_ptr<InProcessStsClient> ClientAs(absl::string_view principal);

 private:
  struct Parts;
  InProcessSts(const Clock* clock, InProcessStsOptions options);

  const Clock* const clock_;
  const InProcessStsOptions options_;
  std::unique_ptr<Parts> parts_;
  std::unique_ptr<token::TokenService> service_;
};

// One principal's view of an InProcessSts, with the hooks tests of client
// code need: injected failures (as a real STS or network would produce) and
// call counters.
class InProcessStsClient final : public context::StsApi {
 public:
  InProcessStsClient(InProcessSts* sts, const Clock* clock, std::string principal)
      : sts_(sts), clock_(clock), principal_(std::move(principal)) {}

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Issue(
      const sts::v1::IssueRequest& request) override;
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Renew(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
      const sts::v1::RenewRequest& request) override;
  absl::StatusOr<sts::v1::CancelResponse> Cancel(const sts::v1::SecurityContextToken& token,
                                                 absl::Span<const uint8_t> key) override;
  absl::StatusOr<sts::v1::ValidateResponse> Validate(
      const sts::v1::SecurityContextToken& token) override;

  // The next Renew, or every Validate until cleared with OK, fails with
  // `status` without reaching the STS.
  void FailNextRenew(absl::Status status);
  void FailValidate(absl::Status status);

  const std::string& principal() const { return principal_; }
  int issues() const { return issues_.load(); }
  int renewals() const { return renewals_.load(); }
  int cancels() const { return cancels_.load(); }
  int validations() const { return validations_.load(); }

 private:
  InProcessSts* const sts_;
  const Clock* const clock_;
  const std::string principal_;
  mutable std::mutex mu_;
  absl::Status fail_next_renew_;  // guarded by mu_
  absl::Status fail_validate_;    // guarded by mu_
  std::atomic<int> issues_{0};
  std::atomic<int> renewals_{0};
  std::atomic<int> cancels_{0};
  std::atomic<int> validations_{0};
};

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_IN_PROCESS_STS_H_
