#include "client/sts_client.h"

#include <chrono>

#include "client/crypto/bytes.h"
#include "client/wire/computed_key.h"
#include "client/wire/grpc_status.h"
#include "client/wire/proof.h"
#include "grpcpp/client_context.h"

namespace sts {
namespace {

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

}  // namespace

StsClient::StsClient(std::shared_ptr<grpc::Channel> channel, const Clock* clock,
                     absl::Duration timeout)
    : stub_(sts::v1::SecurityTokenService::NewStub(std::move(channel))),
      clock_(clock),
      timeout_(timeout) {}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> StsClient::Issue(
    const sts::v1::IssueRequest& request) const {
  grpc::ClientContext context;
  SetDeadline(&context, timeout_);
  sts::v1::RequestSecurityTokenResponse response;
  const grpc::Status status = stub_->Issue(&context, request, &response);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> StsClient::Renew(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
    sts::v1::RenewRequest request) const {
  absl::StatusOr<sts::v1::RenewRequest> signed_request =
      wire::MakeRenewRequest(token, key, clock_->Now(), std::move(request));
  if (!signed_request.ok()) return signed_request.status();
  grpc::ClientContext context;
  SetDeadline(&context, timeout_);
  sts::v1::RequestSecurityTokenResponse response;
  const grpc::Status status = stub_->Renew(&context, *signed_request, &response);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<sts::v1::CancelResponse> StsClient::Cancel(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key) const {
  absl::StatusOr<sts::v1::CancelRequest> request = wire::MakeCancelRequest(token, key, clock_->Now());
  if (!request.ok()) return request.status();
  grpc::ClientContext context;
  SetDeadline(&context, timeout_);
  sts::v1::CancelResponse response;
  const grpc::Status status = stub_->Cancel(&context, *request, &response);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<sts::v1::ValidateResponse> StsClient::Validate(
    const sts::v1::SecurityContextToken& token) const {
  sts::v1::ValidateRequest request;
  *request.mutable_validate_target() = token;
  grpc::ClientContext context;
  SetDeadline(&context, timeout_);
  sts::v1::ValidateResponse response;
  const grpc::Status status = stub_->Validate(&context, request, &response);
  if (!status.ok()) return wire::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<crypto::SecretBytes> KeyFromResponse(
    const sts::v1::RequestSecurityTokenResponse& response,
    absl::Span<const uint8_t> requestor_entropy) {
  const sts::v1::RequestedProofToken& proof = response.requested_proof_token();
  if (proof.has_binary_secret()) {
    return crypto::SecretBytes::FromString(proof.binary_secret().value());
  }
  if (proof.computed_key().empty() || requestor_entropy.empty()) {
    return absl::InvalidArgumentError(
        "the response carries neither a key nor a computed-key algorithm matching the request");
  }
  return wire::ComputeKey(proof.computed_key(), requestor_entropy,
                          crypto::AsBytes(response.entropy().binary_secret().value()),
                          response.key_size() / 8);
}

}  // namespace sts
