#ifndef STS_CLIENT_STS_CLIENT_H_
#define STS_CLIENT_STS_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/clock.h"
#include "client/crypto/secret_bytes.h"
#include "grpcpp/channel.h"
#include "sts/v1/sts.grpc.pb.h"

namespace sts {

// The sts.v1 RPCs as C++ calls. It adds what every caller would otherwise
// write: deadlines, proof-of-possession for Renew and Cancel (made from the
// context key the caller holds), and refusals as absl::Status carrying the
// STS's fault (read it with wire::FaultOf / FaultNameOf). Thread safe; share
// one per channel.
class StsClient {
 public:
  explicit StsClient(std::shared_ptr<grpc::Channel> channel, const Clock* clock = Clock::Real(),
                     absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Issue(
      const sts::v1::IssueRequest& request) const;

  // Renews `token` (identifier, instance of `key`, and cookie if any),
  // proving possession of `key`. `request` may carry lifetime, key size or
  // entropy; its target and proof are filled here.
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Renew(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
      sts::v1::RenewRequest request = {}) const;

  absl::StatusOr<sts::v1::CancelResponse> Cancel(const sts::v1::SecurityContextToken& token,
                                                 absl::Span<const uint8_t> key) const;

  absl::StatusOr<sts::v1::ValidateResponse> Validate(
      const sts::v1::SecurityContextToken& token) const;

 private:
  std::unique_ptr<sts::v1::SecurityTokenService::Stub> stub_;
  const Clock* clock_;
  absl::Duration timeout_;
};

// The key an Issue or Renew response gives its requestor: the binary secret,
// or, for a computed key, the key computed from `requestor_entropy` and the
// issuer entropy in the response. InvalidArgument when the response does not
// fit what was asked.
absl::StatusOr<crypto::SecretBytes> KeyFromResponse(
    const sts::v1::RequestSecurityTokenResponse& response,
    absl::Span<const uint8_t> requestor_entropy = {});

}  // namespace sts

#endif  // STS_CLIENT_STS_CLIENT_H_
