// The namespace and algorithm URIs of the SOAP profile: SOAP 1.1/1.2,
// WS-Security 1.0 (wsse, wsu), WS-SecureConversation (200512 written,
// 2005/02 read), WS-Trust 1.3 (written; 2005/02 read), XML Signature and XML
// Encryption, WS-SecurityPolicy 1.2. The WS-Trust/WS-SC URIs that also travel
// in sts.v1 live in client/wire/uris.h.
#ifndef STS_CLIENT_SOAP_NAMESPACES_H_
#define STS_CLIENT_SOAP_NAMESPACES_H_

#include "absl/strings/string_view.h"

namespace sts::soap {

inline constexpr absl::string_view kSoap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr absl::string_view kSoap12Namespace = "http://www.w3.org/2003/05/soap-envelope";

inline constexpr absl::string_view kWsseNamespace =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
inline constexpr absl::string_view kWsuNamespace =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

inline constexpr absl::string_view kWsc13Namespace =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512";
inline constexpr absl::string_view kWsc2005Namespace = "http://schemas.xmlsoap.org/ws/2005/02/sc";
inline constexpr absl::string_view kWst13Namespace =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
inline constexpr absl::string_view kWst2005Namespace =
    "http://schemas.xmlsoap.org/ws/2005/02/trust";
inline constexpr absl::string_view kWspNamespace = "http://schemas.xmlsoap.org/ws/2004/09/policy";
inline constexpr absl::string_view kWsp15Namespace = "http://www.w3.org/ns/ws-policy";
inline constexpr absl::string_view kWsaNamespace = "http://www.w3.org/2005/08/addressing";
inline constexpr absl::string_view kWsa2004Namespace =
    "http://schemas.xmlsoap.org/ws/2004/08/addressing";
inline constexpr absl::string_view kSpNamespace =
    "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
inline constexpr absl::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// The cookie of a stateless context inside a wsc:SecurityContextToken. WS-SC
// leaves the SCT's content open; the cookie is this STS's own sealed blob,
// so it travels in this project's namespace, never in another stack's.
inline constexpr absl::string_view kStsNamespace = "urn:sts:v1:soap";

inline constexpr absl::string_view kDsNamespace = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr absl::string_view kXencNamespace = "http://www.w3.org/2001/04/xmlenc#";

// Token types and references.
inline constexpr absl::string_view kSctValueType13 =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
inline constexpr absl::string_view kSctValueType2005 =
    "http://schemas.xmlsoap.org/ws/2005/02/sc/sct";
inline constexpr absl::string_view kDkValueType13 =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk";
inline constexpr absl::string_view kDkValueType2005 = "http://schemas.xmlsoap.org/ws/2005/02/sc/dk";

// Algorithms.
inline constexpr absl::string_view kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr absl::string_view kHmacSha1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
inline constexpr absl::string_view kHmacSha256 =
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";
inline constexpr absl::string_view kSha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
inline constexpr absl::string_view kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
inline constexpr absl::string_view kAes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
inline constexpr absl::string_view kAes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
inline constexpr absl::string_view kEncTypeContent = "http://www.w3.org/2001/04/xmlenc#Content";

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_NAMESPACES_H_
