// The WS-Security 1.0 and WS-SecureConversation faults the SOAP profile
// refuses with, and the one table that gives each its absl status code.
//
// A refusal is an absl::Status whose message is "<fault>: <reason>" and which
// carries the fault as a sts.v1.Fault payload (wire::RefuseWithFault), so
// wire::FaultNameOf reads "wsse:FailedCheck" as it reads the STS's faults.
// Reasons never contain key material.
#ifndef STS_CLIENT_SOAP_FAULT_H_
#define STS_CLIENT_SOAP_FAULT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sts::soap {

enum class SoapFault {
  kUnsupportedSecurityToken,  // wsse: a token type we do not process
  kUnsupportedAlgorithm,      // wsse: an algorithm outside the suite's allow-list
  kInvalidSecurity,           // wsse: the security header or envelope is malformed
  kInvalidSecurityToken,      // wsse: a token is malformed or out of bounds
  kFailedAuthentication,      // wsse: the key cannot be used for us
  kFailedCheck,               // wsse: a signature or decryption failed
  kSecurityTokenUnavailable,  // wsse: the context's key could not be fetched
  kMessageExpired,            // wsse: the timestamp is outside the window
  kBadContextToken,           // wsc: the context is unknown
  kUnknownDerivationSource,   // wsc: the key instance is not (or no longer) held
  kRenewNeeded,               // wsc: the context has expired
};

// "wsse:FailedCheck", ...
absl::string_view SoapFaultName(SoapFault fault);

// The refusal status of the table row (see fault.cc).
absl::Status SoapRefuse(SoapFault fault, absl::string_view reason);

// A key resolver's refusal (client/protect or client/verifier, faults of
// client/wire's table) restated as the WS-Security fault a SOAP peer expects.
absl::Status SoapRefusalOfResolver(const absl::Status& resolver_status);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_FAULT_H_
