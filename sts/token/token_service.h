#ifndef STS_TOKEN_TOKEN_SERVICE_H_
#define STS_TOKEN_TOKEN_SERVICE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/clock.h"
#include "sts/policy/policy.h"
#include "sts/policy/policy_holder.h"
#include "sts/pop/proof_verifier.h"
#include "sts/token/context_store.h"
#include "sts/token/token.h"
#include "sts/token/token_id.h"
#include "sts/v1/sts.pb.h"

namespace sts::token {

struct TokenOptions {
  absl::Duration default_lifetime = absl::Hours(1);
  absl::Duration max_lifetime = absl::Hours(12);
  absl::Duration min_lifetime = absl::Seconds(1);
  uint32_t default_key_bits = 256;
  absl::Duration rollover_window = absl::Minutes(5);
  bool allow_expired_renewal = false;
  absl::Duration expired_renewal_max_age = absl::Minutes(10);
  // How long cancelled/expired contexts are remembered as such.
  absl::Duration retention = absl::Minutes(10);
  // The longest a context lives, from its first Issue, however often it is
  // renewed: renewals are granted no further, and refused once it is reached.
  absl::Duration max_context_age = absl::Hours(24);
};

// The WS-Trust bindings for security context tokens, as plain C++: takes the
// authenticated caller's principal and an sts.v1 request, fills the response
// or returns a refusal (client/wire/fault.h) saying why. No gRPC here, so it
// is tested directly with a fake clock, and a second transport (SOAP) can
// call it too. Thread safe; holds no lock of its own.
class TokenService {
 public:
  // Borrows everything; all must outlive the service.
  TokenService(const TokenOptions& options, const policy::PolicyHolder* policy,
               ContextStore* store, const pop::ProofVerifier* proofs, const Clock* clock);

  absl::Status Issue(absl::string_view principal, const sts::v1::IssueRequest& request,
                     sts::v1::RequestSecurityTokenResponse* response) const;
  absl::Status Renew(absl::string_view principal, const sts::v1::RenewRequest& request,
                     sts::v1::RequestSecurityTokenResponse* response) const;
  absl::Status Cancel(absl::string_view principal, const sts::v1::CancelRequest& request,
                      sts::v1::CancelResponse* response) const;
  absl::Status Validate(absl::string_view principal,
                        const sts::v1::ValidateRequest& request,
                        sts::v1::ValidateResponse* response) const;
  // Always refused: this STS advertises sp:MustNotSendAmend.
  absl::Status Amend(absl::string_view principal, const sts::v1::AmendRequest& request,
                     sts::v1::RequestSecurityTokenResponse* response) const;

  const TokenOptions& options() const { return options_; }

 private:
  // The context `target` names, if the store knows it and `principal` owns
  // it; the refusal otherwise (`operation` names the RPC in it).
  absl::StatusOr<TokenView> FindOwned(absl::string_view principal, absl::string_view operation,
                                      const TokenId& id,
                                      const sts::v1::SecurityContextToken& target,
                                      absl::Time now) const;
  // Whether a context in `view`'s state may be renewed at `now` (state,
  // policy, maximum age); for an expired one that may, extends its key's
  // acceptance for the proof.
  absl::Status CheckRenewable(absl::string_view principal, TokenView* view, absl::Time now) const;

  TokenOptions options_;
  const policy::PolicyHolder* policy_;
  ContextStore* store_;
  const pop::ProofVerifier* proofs_;
  const Clock* clock_;
};

}  // namespace sts::token

#endif  // STS_TOKEN_TOKEN_SERVICE_H_
