// Message keys derived from a security context's key (docs/ARCHITECTURE.md section 2,
// step 3; docs/PROTECTED_MESSAGE.md section 2).
//
// Two derivations:
//  - HKDF-SHA256, for everything new: one 32-byte key per purpose (sign,
//    encrypt) and direction (client-to-server, server-to-client), so a key
//    never serves two purposes and a message can never be reflected back to
//    its sender as if the peer had made it.
//  - WS-SecureConversation DerivedKeyToken with P_SHA1, for interop with SOAP
//    peers: the key is bytes [start, start + length) of
//    P_SHA1(secret = context key, seed = label || nonce).
//
// Contract: pure functions, thread-safe; results are SecretBytes owned by the
// caller. Invalid parameters are refused with wst:InvalidRequest
// (wire::Refusal::kMalformedRequest); no error message contains key bytes.
#ifndef STS_CLIENT_PROTECT_DERIVED_KEY_H_
#define STS_CLIENT_PROTECT_DERIVED_KEY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "client/crypto/secret_bytes.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::protect {

// Values equal to sts.v1.ProtectedMessage.Direction.
enum class Direction : int {
  kClientToServer = 1,
  kServerToClient = 2,
};

enum class Purpose {
  kSign,     // HMAC-SHA256 (ProtectedMessage protection SIGN)
  kEncrypt,  // AES-256-GCM (ProtectedMessage protection SEAL)
};

// KeyDerivation.algorithm values.
inline constexpr absl::string_view kHkdfSha256Derivation = "urn:sts:v1:dk:hkdf-sha256";
inline constexpr absl::string_view kPSha1Derivation =
    "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1";
// The pre-standard WS-SC namespace's URI for the same algorithm; accepted,
// never written.
inline constexpr absl::string_view kPSha1Derivation2005 =
    "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1";

// WS-SC 1.3 defaults for a DerivedKeyToken (docs/ARCHITECTURE.md section 5).
inline constexpr absl::string_view kDefaultDerivedKeyLabel =
    "WS-SecureConversationWS-SecureConversation";
inline constexpr uint32_t kDefaultDerivedKeyLength = 32;
inline constexpr size_t kDefaultDerivedKeyNonceSize = 16;

// Bounds a receiver enforces on P_SHA1 parameters it did not choose.
inline constexpr size_t kMinDerivedKeyNonceSize = 16;
inline constexpr size_t kMaxDerivedKeyNonceSize = 128;
inline constexpr size_t kMaxDerivedKeyLabelSize = 256;
inline constexpr uint32_t kMinDerivedKeyLength = 16;
inline constexpr uint32_t kMaxDerivedKeyLength = 64;
// start + length, at most: the part of the P_SHA1 stream a receiver will
// compute for a DerivedKeyToken it did not choose. WS-SC peers derive keys at
// small offsets or generations (WCF and WSS4J use offset 0 or a generation of
// a few 32-byte keys); a forged token asking for a key deep in the stream
// would otherwise cost up to ~50,000 HMAC-SHA1 blocks before its MAC is
// checked. 4096 bytes is 205 blocks.
inline constexpr uint64_t kMaxDerivedKeyStreamBytes = 4096;

// The HKDF info string, e.g. "sts.v1 message sign client-to-server".
std::string HkdfInfo(Purpose purpose, Direction direction);

// HKDF-SHA256(IKM = context key, salt = "", info = HkdfInfo(...), L = 32).
absl::StatusOr<crypto::SecretBytes> DeriveMessageKey(absl::Span<const uint8_t> context_key,
                                                     Purpose purpose, Direction direction);

// The parameters of one wsc:DerivedKeyToken.
struct DerivedKeyParams {
  std::string label;  // empty: kDefaultDerivedKeyLabel
  std::string nonce;  // wsc:Nonce
  // wsc:Offset, or wsc:Generation (then the key starts at generation *
  // length and offset must be 0).
  uint64_t offset = 0;
  std::optional<uint64_t> generation;
  uint32_t length = kDefaultDerivedKeyLength;  // wsc:Length; 0 is read as 32
};

// P_SHA1(secret = context key, seed = label || nonce), bytes
// [start, start + length). Refuses nonces outside 16..128 bytes, labels over
// 256 bytes, lengths outside 16..64, start + length past
// kMaxDerivedKeyStreamBytes (4096), and both an offset and a generation.
absl::StatusOr<crypto::SecretBytes> DerivePSha1Key(absl::Span<const uint8_t> context_key,
                                                   const DerivedKeyParams& params);

// The DerivedKeyParams a P_SHA1 KeyDerivation names (validated as above),
// InvalidRequest for any other algorithm.
absl::StatusOr<DerivedKeyParams> PSha1ParamsOf(const sts::v1::KeyDerivation& derivation);

// Whether `algorithm` is one of the two P_SHA1 URIs.
bool IsPSha1(absl::string_view algorithm);

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_DERIVED_KEY_H_
