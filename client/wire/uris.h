#ifndef STS_CLIENT_WIRE_URIS_H_
#define STS_CLIENT_WIRE_URIS_H_

// The standard URIs of WS-Trust 1.3 and WS-SecureConversation 1.3 that
// travel in sts.v1 messages (docs/ARCHITECTURE.md section 5), and the one URI of ours.

#include "absl/strings/string_view.h"

namespace sts::wire {

inline constexpr absl::string_view kWstNamespace =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
inline constexpr absl::string_view kWscNamespace =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512";
// The pre-standard namespace WCF and WSS4J still default to; read, not written.
inline constexpr absl::string_view kWscNamespace2005 =
    "http://schemas.xmlsoap.org/ws/2005/02/sc";

inline constexpr absl::string_view kRequestTypeIssue =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
inline constexpr absl::string_view kRequestTypeRenew =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Renew";
inline constexpr absl::string_view kRequestTypeCancel =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel";
inline constexpr absl::string_view kRequestTypeValidate =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate";

inline constexpr absl::string_view kTokenTypeSct =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct";
inline constexpr absl::string_view kTokenTypeSct2005 =
    "http://schemas.xmlsoap.org/ws/2005/02/sc/sct";
inline constexpr absl::string_view kTokenTypeStatus =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status";

inline constexpr absl::string_view kKeyTypeSymmetric =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey";
inline constexpr absl::string_view kBinarySecretSymmetricKey =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey";
inline constexpr absl::string_view kBinarySecretNonce =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce";

// key = P_SHA1(secret = requestor entropy, seed = issuer entropy), first
// KeySize/8 bytes.
inline constexpr absl::string_view kComputedKeyPSha1 =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1";
// This project's variant for new code: key = HKDF-SHA256(ikm = requestor
// entropy, salt = issuer entropy, info = "sts.v1 computed key"), KeySize/8
// bytes.
inline constexpr absl::string_view kComputedKeyHkdfSha256 = "urn:sts:v1:ck:hkdf-sha256";
inline constexpr absl::string_view kComputedKeyHkdfInfo = "sts.v1 computed key";

inline constexpr absl::string_view kStatusValid =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/status/valid";
inline constexpr absl::string_view kStatusInvalid =
    "http://docs.oasis-open.org/ws-sx/ws-trust/200512/status/invalid";

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_URIS_H_
