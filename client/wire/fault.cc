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

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF) at the start of `s`, or 0.
size_t SequenceLength(absl::string_view s) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto tail = [&](size_t i) { return i < s.size() && (at(i) & 0xC0) == 0x80; };
  const unsigned char lead = at(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return tail(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!tail(1) || !tail(2)) return 0;
    if ((lead == 0xE0 && at(1) < 0xA0) || (lead == 0xED && at(1) > 0x9F)) return 0;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!tail(1) || !tail(2) || !tail(3)) return 0;
    if ((lead == 0xF0 && at(1) < 0x90) || (lead == 0xF4 && at(1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

// Reasons quote what a peer sent (a token type cut at 128 bytes, the
// namespace URI libxml2 complains about), so they may hold bytes that are not
// UTF-8; sts.v1.Fault.reason is a proto3 string, and a Fault with such bytes
// does not parse: the refusal would arrive without its fault. Each byte that
// does not start a well-formed sequence becomes '?'.
std::string Utf8Reason(absl::string_view reason) {
  std::string out;
  out.reserve(reason.size());
  while (!reason.empty()) {
    const size_t n = SequenceLength(reason);
    if (n == 0) {
      out.push_back('?');
      reason.remove_prefix(1);
    } else {
      out.append(reason.data(), n);
      reason.remove_prefix(n);
    }
  }
  return out;
}

void Attach(const sts::v1::Fault& fault, absl::Status* status) {
  status->SetPayload(kFaultTypeUrl, absl::Cord(fault.SerializeAsString()));
}

}  // namespace

absl::Status Refuse(Refusal kind, absl::string_view reason) {
  const Row row = RowOf(kind);
  return RefuseWithFault(row.code, row.fault, row.namespace_uri, reason);
}

absl::Status RefuseWithFault(absl::StatusCode code, absl::string_view fault_name,
                             absl::string_view namespace_uri, absl::string_view reason) {
  const std::string utf8 = Utf8Reason(reason);
  absl::Status status(code, absl::StrCat(fault_name, ": ", utf8));
  sts::v1::Fault fault;
  fault.set_name(std::string(fault_name));
  fault.set_namespace_uri(std::string(namespace_uri));
  fault.set_reason(utf8);
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
