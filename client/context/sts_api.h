// The STS operations a SecurityContext (Renew, Cancel) and a relying party's
// Verifier (Validate) need, as an interface, so both can be tested without a
// server and run against the real one through StsClient.
//
// Contract: implementations are thread-safe; refusals are absl::Status values
// carrying the STS's fault (wire::FaultOf), as StsClient returns them.
#ifndef STS_CLIENT_CONTEXT_STS_API_H_
#define STS_CLIENT_CONTEXT_STS_API_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/sts_client.h"
#include "sts/v1/sts.pb.h"

namespace sts::context {

class StsApi {
 public:
  virtual ~StsApi() = default;

  virtual absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Issue(
      const sts::v1::IssueRequest& request) = 0;
  // Proves possession of `key` (the key of token.instance).
  virtual absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Renew(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
      const sts::v1::RenewRequest& request) = 0;
  virtual absl::StatusOr<sts::v1::CancelResponse> Cancel(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key) = 0;
  virtual absl::StatusOr<sts::v1::ValidateResponse> Validate(
      const sts::v1::SecurityContextToken& token) = 0;

  // The real thing: the calls go to the STS through `client`.
  static std::shared_ptr<StsApi> FromClient(std::shared_ptr<const StsClient> client);
};

}  // namespace sts::context

#endif  // STS_CLIENT_CONTEXT_STS_API_H_
