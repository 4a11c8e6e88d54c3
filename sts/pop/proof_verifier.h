#ifndef STS_POP_PROOF_VERIFIER_H_
#define STS_POP_PROOF_VERIFIER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/wire/proof.h"
#include "sts/pop/rate_limiter.h"
#include "sts/replay/replay_cache.h"
#include "sts/token/token.h"
#include "sts/v1/proof.pb.h"

namespace sts::pop {

// Decides whether a Renew/Cancel request proves possession of its context's
// key. In order, each failure with its own fault:
//   the principal's call rate exceeded    wst:RequestFailed (RESOURCE_EXHAUSTED)
//   no proof, malformed nonce or MAC      wst:InvalidRequest / FailedAuthentication
//   timestamp outside now +- clock skew   wst:ExpiredData
//   instance not among the usable keys    wsc:UnknownDerivationSource
//   MAC mismatch                          wst:FailedAuthentication
//   (context, nonce) already used         wst:FailedAuthentication
//   the principal's share of the cache    wst:RequestFailed (RESOURCE_EXHAUSTED)
// The replay cache is consulted last, so forged proofs cannot fill it.
// Thread safe if the replay cache is.
class ProofVerifier {
 public:
  // Borrows both; `rate_limiter` may be null (no limit).
  ProofVerifier(absl::Duration clock_skew, replay::ReplayCache* replay_cache,
                PrincipalRateLimiter* rate_limiter = nullptr)
      : clock_skew_(clock_skew), replay_cache_(replay_cache), rate_limiter_(rate_limiter) {}

  // `principal`: who sends the request (the context's owner, already
  // checked). `keys`: the keys the holder may have used (current, then
  // rolling over).
  absl::Status Verify(absl::string_view principal, const wire::ProofSubject& subject,
                      const sts::v1::ProofOfPossession& proof, bool has_proof,
                      const wire::Digest& request_digest,
                      absl::Span<const token::KeyCopy> keys, absl::Time now) const;

  absl::Duration clock_skew() const { return clock_skew_; }

 private:
  absl::Duration clock_skew_;
  replay::ReplayCache* replay_cache_;
  PrincipalRateLimiter* rate_limiter_;
};

}  // namespace sts::pop

#endif  // STS_POP_PROOF_VERIFIER_H_
