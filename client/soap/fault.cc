#include "client/soap/fault.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/soap/namespaces.h"
#include "client/wire/fault.h"

namespace sts::soap {
namespace {

struct Row {
  absl::StatusCode code;
  absl::string_view name;
  absl::string_view namespace_uri;
};

// THE table (client/soap/README.md reproduces it).
Row RowOf(SoapFault fault) {
  switch (fault) {
    case SoapFault::kUnsupportedSecurityToken:
      return {absl::StatusCode::kInvalidArgument, "wsse:UnsupportedSecurityToken", kWsseNamespace};
    case SoapFault::kUnsupportedAlgorithm:
      return {absl::StatusCode::kInvalidArgument, "wsse:UnsupportedAlgorithm", kWsseNamespace};
    case SoapFault::kInvalidSecurity:
      return {absl::StatusCode::kInvalidArgument, "wsse:InvalidSecurity", kWsseNamespace};
    case SoapFault::kInvalidSecurityToken:
      return {absl::StatusCode::kInvalidArgument, "wsse:InvalidSecurityToken", kWsseNamespace};
    case SoapFault::kFailedAuthentication:
      return {absl::StatusCode::kUnauthenticated, "wsse:FailedAuthentication", kWsseNamespace};
    case SoapFault::kFailedCheck:
      return {absl::StatusCode::kUnauthenticated, "wsse:FailedCheck", kWsseNamespace};
    case SoapFault::kSecurityTokenUnavailable:
      return {absl::StatusCode::kUnavailable, "wsse:SecurityTokenUnavailable", kWsseNamespace};
    case SoapFault::kMessageExpired:
      return {absl::StatusCode::kUnauthenticated, "wsse:MessageExpired", kWsseNamespace};
    case SoapFault::kBadContextToken:
      return {absl::StatusCode::kNotFound, "wsc:BadContextToken", kWsc13Namespace};
    case SoapFault::kUnknownDerivationSource:
      return {absl::StatusCode::kUnauthenticated, "wsc:UnknownDerivationSource", kWsc13Namespace};
    case SoapFault::kRenewNeeded:
      break;
  }
  return {absl::StatusCode::kFailedPrecondition, "wsc:RenewNeeded", kWsc13Namespace};
}

}  // namespace

absl::string_view SoapFaultName(SoapFault fault) { return RowOf(fault).name; }

absl::Status SoapRefuse(SoapFault fault, absl::string_view reason) {
  const Row row = RowOf(fault);
  return wire::RefuseWithFault(row.code, row.name, row.namespace_uri, reason);
}

absl::Status SoapRefusalOfResolver(const absl::Status& status) {
  const std::optional<sts::v1::Fault> fault = wire::FaultOf(status);
  const std::string name = fault.has_value() ? fault->name() : "";
  const std::string reason = fault.has_value() ? fault->reason() : std::string(status.message());
  if (name == "wsc:BadContextToken") return SoapRefuse(SoapFault::kBadContextToken, reason);
  if (name == "wsc:UnknownDerivationSource") {
    return SoapRefuse(SoapFault::kUnknownDerivationSource, reason);
  }
  if (name == "wsc:RenewNeeded" || name == "wst:ExpiredData") {
    return SoapRefuse(SoapFault::kRenewNeeded, reason);
  }
  if (name == "wst:InvalidSecurityToken" || name == "wst:InvalidRequest") {
    return SoapRefuse(SoapFault::kInvalidSecurityToken, reason);
  }
  if (name == "wst:FailedAuthentication") {
    return SoapRefuse(SoapFault::kFailedAuthentication, reason);
  }
  if (name == "wst:RequestFailed" && status.code() == absl::StatusCode::kPermissionDenied) {
    return SoapRefuse(SoapFault::kFailedAuthentication, reason);
  }
  return SoapRefuse(SoapFault::kSecurityTokenUnavailable,
                    absl::StrCat("the context's key could not be obtained: ", reason));
}

}  // namespace sts::soap
