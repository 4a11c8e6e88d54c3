// The WS-Trust 1.3 XML forms of the sts.v1 responses, and the parse of a
// wst:RequestSecurityToken into the sts.v1 request of its binding.
//
// Written (WS-Trust 1.3, WS-SC 200512):
//  - Issue / Renew: wst:RequestSecurityTokenResponseCollection holding one
//    wst:RequestSecurityTokenResponse with, in order, TokenType,
//    RequestedSecurityToken (the wsc:SecurityContextToken), wsp:AppliesTo,
//    RequestedAttachedReference, RequestedUnattachedReference,
//    RequestedProofToken (wst:BinarySecret Type {wst}/SymmetricKey, or
//    wst:ComputedKey), wst:Entropy (the issuer's, for a computed key),
//    wst:Lifetime, wst:KeySize, and this STS's sts:Principal extension.
//  - Cancel: an RSTR holding wst:RequestedTokenCancelled.
//  - Validate: an RSTR holding TokenType {wst}/RSTR/Status and wst:Status
//    (Code, Reason).
// Read: RequestSecurityToken in the 1.3 or the 2005/02 WS-Trust namespace,
// on its own or as the first child of a SOAP Body; 2005/02 URIs are mapped
// to their 1.3 equivalents. Refusals are wst:InvalidRequest.
//
// Contract: pure functions, thread-safe. The proof key is written only when
// asked (RstrXmlOptions), since the text then holds the context's key.
#ifndef STS_CLIENT_SOAP_WSTRUST_XML_H_
#define STS_CLIENT_SOAP_WSTRUST_XML_H_

#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/clock.h"
#include "client/soap/xml.h"
#include "sts/v1/sts.pb.h"

namespace sts::soap {

struct RstrXmlOptions {
  // Write the wst:BinarySecret proof token (the key). Off: a binary-secret
  // RequestedProofToken is left out; a ComputedKey one is always written.
  bool include_proof_key = false;
};

std::string IssueResponseXml(const sts::v1::RequestSecurityTokenResponse& response,
                             const RstrXmlOptions& options = {});
std::string CancelResponseXml(const sts::v1::CancelResponse& response);
std::string ValidateResponseXml(const sts::v1::ValidateResponse& response);

using RequestSecurityToken = std::variant<sts::v1::IssueRequest, sts::v1::RenewRequest,
                                          sts::v1::CancelRequest, sts::v1::ValidateRequest>;

// The binding is chosen by wst:RequestType. A Lifetime without wsu:Created
// counts from `clock`'s now. Renew/Cancel proofs of possession are not in
// the XML (in SOAP the message signature plays that part); the caller adds
// them.
absl::StatusOr<RequestSecurityToken> ParseRequestSecurityToken(
    absl::string_view xml, const Clock* clock = Clock::Real(), const ParseLimits& limits = {});

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_WSTRUST_XML_H_
