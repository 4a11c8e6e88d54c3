#include "client/wire/fault.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "client/wire/uris.h"

namespace sts::wire {
namespace {

struct Row {
  absl::StatusCode code;
  absl::string_view fault;  // QName
  absl::string_view namespace_uri;
};

// THE table: README.md "Errors" reproduces it.
Row RowOf(Refusal kind) {
  switch (kind) {
    case Refusal::kMalformedRequest:
      return {absl::StatusCode::kInvalidArgument, "wst:InvalidRequest", kWstNamespace};
    case Refusal::kUnauthenticated:
      return {absl::StatusCode::kUnauthenticated, "wst:FailedAuthentication", kWstNamespace};
    case Refusal::kBadProof:
      return {absl::StatusCode::kUnauthenticated, "wst:FailedAuthentication", kWstNamespace};
    case Refusal::kStaleProof:
      return {absl::StatusCode::kUnauthenticated, "wst:ExpiredData", kWstNamespace};
    case Refusal::kUnknownKeyInstance:
      return {absl::StatusCode::kUnauthenticated, "wsc:UnknownDerivationSource", kWscNamespace};
    case Refusal::kNotPermitted:
      return {absl::StatusCode::kPermissionDenied, "wst:RequestFailed", kWstNamespace};
    case Refusal::kUnknownContext:
      return {absl::StatusCode::kNotFound, "wsc:BadContextToken", kWscNamespace};
    case Refusal::kCancelledContext:
      return {absl::StatusCode::kFailedPrecondition, "wst:InvalidSecurityToken", kWstNamespace};
    case Refusal::kExpiredContext:
      return {absl::StatusCode::kFailedPrecondition, "wst:ExpiredData", kWstNamespace};
    case Refusal::kRenewNeeded:
      return {absl::StatusCode::kFailedPrecondition, "wsc:RenewNeeded", kWscNamespace};
    case Refusal::kQuotaExceeded:
      return {absl::StatusCode::kResourceExhausted, "wst:RequestFailed", kWstNamespace};
    case Refusal::kUnavailable:
      return {absl::StatusCode::kUnavailable, "wst:RequestFailed", kWstNamespace};
    case Refusal::kUnsupported:
      return {absl::StatusCode::kUnimplemented, "wst:RequestFailed", kWstNamespace};
    case Refusal::kInternal:
      break;
  }
  return {absl::StatusCode::kInternal, "wst:RequestFailed", kWstNamespace};
}

void Attach(const sts::v1::Fault& fault, absl::Status* status) {
  status->SetPayload(kFaultTypeUrl, absl::Cord(fault.SerializeAsString()));
}

}  // namespace

absl::Status Refuse(Refusal kind, absl::string_view reason) {
  const Row row = RowOf(kind);
  absl::Status status(row.code, absl::StrCat(row.fault, ": ", reason));
  sts::v1::Fault fault;
  fault.set_name(std::string(row.fault));
  fault.set_namespace_uri(std::string(row.namespace_uri));
  fault.set_reason(std::string(reason));
  Attach(fault, &status);
  return status;
}

absl::Status RefuseWithFault(absl::StatusCode code, absl::string_view fault_name,
                             absl::string_view namespace_uri, absl::string_view reason) {
  absl::Status status(code, absl::StrCat(fault_name, ": ", reason));
  sts::v1::Fault fault;
  fault.set_name(std::string(fault_name));
  fault.set_namespace_uri(std::string(namespace_uri));
  fault.set_reason(std::string(reason));
  Attach(fault, &status);
  return status;
}

std::optional<sts::v1::Fault> FaultOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kFaultTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  sts::v1::Fault fault;
  if (!fault.ParseFromString(std::string(*payload))) return std::nullopt;
  return fault;
}

std::string FaultNameOf(const absl::Status& status) {
  std::optional<sts::v1::Fault> fault = FaultOf(status);
  return fault.has_value() ? fault->name() : "";
}

bool IsRefusal(const absl::Status& status, Refusal kind) {
  const Row row = RowOf(kind);
  if (status.code() != row.code) return false;
  std::optional<sts::v1::Fault> fault = FaultOf(status);
  return fault.has_value() && fault->name() == row.fault;
}

}  // namespace sts::wire
