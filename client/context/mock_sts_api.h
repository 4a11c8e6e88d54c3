// A gMock StsApi, beside the interface, for tests that script the STS's
// answers call by call (an outage on the third Validate, a refusal the real
// logic would never give). Tests that need the STS's real behaviour use
// tests/harness/in_process_sts.h instead.
#ifndef STS_CLIENT_CONTEXT_MOCK_STS_API_H_
#define STS_CLIENT_CONTEXT_MOCK_STS_API_H_

#include "client/context/sts_api.h"
#include "gmock/gmock.h"

namespace sts::context {

class MockStsApi : public StsApi {
 public:
  MOCK_METHOD(absl::StatusOr<sts::v1::RequestSecurityTokenResponse>, Issue,
              (const sts::v1::IssueRequest& request), (override));
  MOCK_METHOD(absl::StatusOr<sts::v1::RequestSecurityTokenResponse>, Renew,
              (const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
               const sts::v1::RenewRequest& request),
              (override));
  MOCK_METHOD(absl::StatusOr<sts::v1::CancelResponse>, Cancel,
              (const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key),
              (override));
  MOCK_METHOD(absl::StatusOr<sts::v1::ValidateResponse>, Validate,
              (const sts::v1::SecurityContextToken& token), (override));
};

}  // namespace sts::context

#endif  // STS_CLIENT_CONTEXT_MOCK_STS_API_H_
