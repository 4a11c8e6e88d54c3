#include "client/context/sts_api.h"

#include <utility>

namespace sts::context {
namespace {

class ClientApi final : public StsApi {
 public:
  explicit ClientApi(std::shared_ptr<const StsClient> client) : client_(std::move(client)) {}

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Issue(
      const sts::v1::IssueRequest& request) override {
    return client_->Issue(request);
  }
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Renew(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
      const sts::v1::RenewRequest& request) override {
    return client_->Renew(token, key, request);
  }
  absl::StatusOr<sts::v1::CancelResponse> Cancel(const sts::v1::SecurityContextToken& token,
                                                 absl::Span<const uint8_t> key) override {
    return client_->Cancel(token, key);
  }
  absl::StatusOr<sts::v1::ValidateResponse> Validate(
      const sts::v1::SecurityContextToken& token) override {
    return client_->Validate(token);
  }

 private:
  const std::shared_ptr<const StsClient> client_;
};

}  // namespace

std::shared_ptr<StsApi> StsApi::FromClient(std::shared_ptr<const StsClient> client) {
  return std::make_shared<ClientApi>(std::move(client));
}

}  // namespace sts::context
