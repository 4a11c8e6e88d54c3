// sts.v1.ProtectedMessage: the canonical bytes its tag covers, and the one
// MAC or AEAD operation that makes or checks the tag
// (docs/PROTECTED_MESSAGE.md sections 3-4 say the same in words).
//
//   header = Bytes("sts.v1.ProtectedMessage") || U32(protection) || U32(direction)
//            || Bytes(token.identifier) || Bytes(token.instance) || Bytes(token.cookie)
//            || Bytes(derivation.algorithm) || Bytes(derivation.label)
//            || Bytes(derivation.nonce) || U32(start kind) || U64(start value)
//            || U32(derivation.length) || U64(sequence)
//            || I64(created_unix_nanos)
//            || Bytes(aead_nonce) || Bytes(associated data)
//            [ || Bytes(receiver), only when the message names one ]
//   Sign: tag = HMAC-SHA256(sign key, header || Bytes(payload))
//   Seal: payload || tag = AES-256-GCM(encrypt key, aead_nonce, plaintext, AAD = header)
//
// This layer is crypto only: it checks shape and tag, never time, replay or
// whether a context is still valid (receiver.h does). Functions are
// thread-safe; they never put key bytes in a status.
#ifndef STS_CLIENT_PROTECT_MESSAGE_H_
#define STS_CLIENT_PROTECT_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/protect/derived_key.h"
#include "client/protect/instance_keys.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::protect {

inline constexpr absl::string_view kProtectedMessageDomain = "sts.v1.ProtectedMessage";

// How a sender derives its message keys.
struct DerivationOptions {
  enum class Algorithm { kHkdfSha256, kPSha1 };
  Algorithm algorithm = Algorithm::kHkdfSha256;
  // P_SHA1 only. The nonce is InstanceKeys::SenderNonce; the label is
  // written as given (empty: the WS-SC default, not written out).
  std::string label;
  uint32_t length = kDefaultDerivedKeyLength;  // 32 is the only length Seal accepts
  std::optional<uint64_t> generation;          // else offset 0
};

// The canonical header of `message` with `associated_data` (see above).
std::string CanonicalHeader(const sts::v1::ProtectedMessage& message,
                            absl::string_view associated_data);

// Who a message in `direction` under `keys` is for: the context's audience
// (applies_to) from its holder, its holder (principal) from the audience;
// "" when the context does not say.
inline const std::string& ReceiverFor(const InstanceKeys& keys, Direction direction) {
  return direction == Direction::kClientToServer ? keys.info().applies_to
                                                 : keys.info().principal;
}

// Fills token (identifier, instance, cookie), derivation, protection,
// direction, sequence, created and receiver (unset: ReceiverFor(keys,
// direction); "": none); leaves payload, aead_nonce and tag alone.
void FillHeader(const InstanceKeys& keys, const DerivationOptions& derivation,
                sts::v1::ProtectedMessage::Protection protection, Direction direction,
                uint64_t sequence, absl::Time created, sts::v1::ProtectedMessage* message,
                const std::optional<std::string>& receiver = std::nullopt);

// Checks what can be checked without a key: known enums, algorithm and its
// parameters, sizes of nonce and tag, no unknown fields.
// wst:InvalidRequest otherwise, except a tag shorter than the primitive's
// (a truncation): wst:FailedAuthentication.
absl::Status CheckShape(const sts::v1::ProtectedMessage& message);

// Sender. `message` holds a header (FillHeader) and the payload in clear.
// SignInPlace sets the tag; SealInPlace picks a random AEAD nonce, replaces
// the payload by its ciphertext and sets the tag.
absl::Status SignInPlace(const InstanceKeys& keys, sts::v1::ProtectedMessage* message,
                         absl::string_view associated_data);
absl::Status SealInPlace(const InstanceKeys& keys, sts::v1::ProtectedMessage* message,
                         absl::string_view associated_data);

// Receiver, crypto only. OK when the tag authenticates under `keys`;
// wst:FailedAuthentication when it does not; wst:InvalidRequest for a
// derivation `keys` cannot make. OpenPayload writes the plaintext to
// `plaintext` only on success. Tags are compared in constant time.
absl::Status CheckTag(const InstanceKeys& keys, const sts::v1::ProtectedMessage& message,
                      absl::string_view associated_data);
absl::Status OpenPayload(const InstanceKeys& keys, const sts::v1::ProtectedMessage& message,
                         absl::string_view associated_data, std::string* plaintext);

// The Direction of a message (its enum must be valid: CheckShape).
inline Direction DirectionOf(const sts::v1::ProtectedMessage& message) {
  return message.direction() == sts::v1::ProtectedMessage::DIRECTION_SERVER_TO_CLIENT
             ? Direction::kServerToClient
             : Direction::kClientToServer;
}

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_MESSAGE_H_
