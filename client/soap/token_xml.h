// The WS-SecureConversation tokens as XML: wsc:SecurityContextToken,
// wsse:SecurityTokenReference (one wsse:Reference) and wsc:DerivedKeyToken.
// Written in the WS-SC 1.3 (200512) namespace; read in it and in 2005/02.
//
// WS-SC 1.3 section 3 / its schema: SecurityContextToken carries
// wsc:Identifier (one, an absolute URI), optional wsc:Instance and, for a
// stateless context, this STS's cookie (namespaces.h kStsNamespace). Section
// 7 (DerivedKeyToken): children in the order wsse:SecurityTokenReference?,
// wsc:Properties?, (wsc:Generation | wsc:Offset)?, wsc:Length?, wsc:Label?,
// wsc:Nonce?, attribute Algorithm (default P_SHA1).
//
// Readers bound what they accept before anything is derived: see
// ReadDerivedKeyToken. Refusals are wsse:InvalidSecurityToken unless said.
#ifndef STS_CLIENT_SOAP_TOKEN_XML_H_
#define STS_CLIENT_SOAP_TOKEN_XML_H_

#include <cstdint>
#include <optional>
#include <string>

#include <libxml/tree.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/protect/derived_key.h"
#include "sts/v1/token.pb.h"

namespace sts::soap {

// Appends <wsc:SecurityContextToken wsu:Id=...> for `token` to `parent`.
xmlNode* AppendSecurityContextToken(xmlNode* parent, const sts::v1::SecurityContextToken& token,
                                    absl::string_view wsu_id);
// Reads one (either namespace); wsu_id is filled from wsu:Id.
absl::StatusOr<sts::v1::SecurityContextToken> ReadSecurityContextToken(const xmlNode* sct);
bool IsSecurityContextToken(const xmlNode* node);

// wsse:SecurityTokenReference with one wsse:Reference.
struct TokenReference {
  std::string uri;         // "#id" (in this message) or an absolute URI (an SCT's Identifier)
  std::string value_type;  // optional
  std::string instance;    // wsc:Instance attribute of the Reference, optional
};
xmlNode* AppendSecurityTokenReference(xmlNode* parent, const TokenReference& reference);
// Exactly one child, a wsse:Reference with a URI; anything else (KeyIdentifier,
// Embedded, more than one) is wsse:UnsupportedSecurityToken.
absl::StatusOr<TokenReference> ReadSecurityTokenReference(const xmlNode* str);

// A wsc:DerivedKeyToken as read, with what its reference names.
struct DerivedKeyTokenXml {
  std::string wsu_id;
  TokenReference source;  // the SCT the key is derived from
  protect::DerivedKeyParams params;
};

// Appends <wsc:DerivedKeyToken> (no Algorithm attribute: P_SHA1 is the
// default; no Label: the default label).
xmlNode* AppendDerivedKeyToken(xmlNode* parent, absl::string_view wsu_id,
                               const TokenReference& source, const protect::DerivedKeyParams& params);

struct DerivedKeyBounds {
  uint32_t length = 32;        // the one Length accepted (the suite's)
  uint64_t max_start = 4096;   // bytes into the P_SHA1 stream
};
// Reads and bounds a DerivedKeyToken: Algorithm absent or P_SHA1; Length
// present and equal to bounds.length (absent means 32); Offset or
// Generation, not both, each a plain decimal whose key start
// (offset, or generation * length) is at most bounds.max_start; Nonce
// base64 of 16..128 bytes; Label at most 256 bytes; no wsc:Properties.
absl::StatusOr<DerivedKeyTokenXml> ReadDerivedKeyToken(const xmlNode* dkt,
                                                       const DerivedKeyBounds& bounds);
bool IsDerivedKeyToken(const xmlNode* node);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_TOKEN_XML_H_
