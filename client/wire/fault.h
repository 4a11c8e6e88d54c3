#ifndef STS_CLIENT_WIRE_FAULT_H_
#define STS_CLIENT_WIRE_FAULT_H_

// Every refusal the STS and the client library make is one of the kinds
// below. One table (fault.cc) gives each kind its gRPC status code and its
// WS-Trust / WS-SecureConversation fault, so a code and a fault never drift
// apart and README.md's error table is this table.
//
// The fault travels as an absl::Status payload inside the process and as a
// sts.v1.Fault detail (google.rpc.Status in "grpc-status-details-bin") on
// the wire (grpc_status.h converts; it is apart so that this table links
// protobuf, not gRPC). Reasons must never contain key material: callers pass
// fixed phrases plus non-secret values (sizes, URIs, identifiers).

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "sts/v1/fault.pb.h"

namespace sts::wire {

// The type URL of a serialized sts.v1.Fault: the key of the absl::Status
// payload here, and the google.protobuf.Any type on the wire
// (grpc_status.h).
inline constexpr absl::string_view kFaultTypeUrl = "type.googleapis.com/sts.v1.Fault";

enum class Refusal {
  kMalformedRequest,      // INVALID_ARGUMENT    wst:InvalidRequest
  kUnauthenticated,       // UNAUTHENTICATED     wst:FailedAuthentication
  kBadProof,              // UNAUTHENTICATED     wst:FailedAuthentication
  kStaleProof,            // UNAUTHENTICATED     wst:ExpiredData
  kUnknownKeyInstance,    // UNAUTHENTICATED     wsc:UnknownDerivationSource
  kNotPermitted,          // PERMISSION_DENIED   wst:RequestFailed
  kUnknownContext,        // NOT_FOUND           wsc:BadContextToken
  kCancelledContext,      // FAILED_PRECONDITION wst:InvalidSecurityToken
  kExpiredContext,        // FAILED_PRECONDITION wst:ExpiredData
  kRenewNeeded,           // FAILED_PRECONDITION wsc:RenewNeeded
  kQuotaExceeded,         // RESOURCE_EXHAUSTED  wst:RequestFailed
  kUnavailable,           // UNAVAILABLE         wst:RequestFailed
  kUnsupported,           // UNIMPLEMENTED       wst:RequestFailed
  kInternal,              // INTERNAL            wst:RequestFailed
};

// A status carrying a fault from a table other than the one below (e.g.
// client/soap's WS-Security faults): `code`, the message "<fault>: <reason>",
// and the fault attached exactly as Refuse attaches it, so FaultOf and
// FaultNameOf read it too.
absl::Status RefuseWithFault(absl::StatusCode code, absl::string_view fault_name,
                             absl::string_view namespace_uri, absl::string_view reason);

// The status for a refusal: its table code, the message "<fault>: <reason>",
// and the fault attached as a payload. Both here and in RefuseWithFault, a
// byte of `reason` that is not well-formed UTF-8 becomes '?', so the fault
// (a protobuf string) always parses.
absl::Status Refuse(Refusal kind, absl::string_view reason);

// The fault carried by `status`, if it carries one.
std::optional<sts::v1::Fault> FaultOf(const absl::Status& status);

// The fault name carried by `status`, or "" when none. For display and
// logs; decisions use IsRefusal.
std::string FaultNameOf(const absl::Status& status);

// Whether `status` is a refusal of `kind`: its code and the fault it carries
// are the table's for that kind. Works on what a client received too
// (FromGrpcStatus keeps the fault), where kinds that share a code and a fault
// (kUnauthenticated, kBadProof) cannot be told apart: either matches.
bool IsRefusal(const absl::Status& status, Refusal kind);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_FAULT_H_
