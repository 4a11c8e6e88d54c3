// A protected message as views over bytes the caller owns: the same wire
// format, canonical header and checks as message.h's sts.v1.ProtectedMessage,
// without building or parsing a protobuf. For transports that carry the
// header fields themselves (gRPC metadata, a framing of their own), and for
// the hot path: a view costs no allocation, and the header's fixed start is
// encoded once per context instance (InstanceKeys) instead of per message.
//
// A view always uses the default derivation (HKDF-SHA256, 32-byte keys,
// written as length 32). A P_SHA1 message, or one whose derivation omits the
// length, has no view (ViewOf returns nullopt); message.h handles those.
//
// Lifetime: a view points into the caller's strings and buffers, which must
// outlive every call it is passed to. Functions are thread-safe; they never
// put key bytes in a status. Errors are message.h's: wst:InvalidRequest for a
// malformed view, wst:FailedAuthentication for a tag that does not verify (or
// a truncated one).
#ifndef STS_CLIENT_PROTECT_MESSAGE_VIEW_H_
#define STS_CLIENT_PROTECT_MESSAGE_VIEW_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/crypto/aead.h"
#include "client/crypto/hmac.h"
#include "client/protect/derived_key.h"
#include "client/protect/instance_keys.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::protect {

struct MessageView {
  sts::v1::ProtectedMessage::Protection protection =
      sts::v1::ProtectedMessage::PROTECTION_SIGN;
  Direction direction = Direction::kClientToServer;
  absl::string_view identifier;  // token.identifier
  absl::string_view instance;    // token.instance
  absl::string_view cookie;      // token.cookie ("" for a stateful context)
  uint64_t sequence = 0;
  int64_t created_unix_nanos = 0;
  absl::string_view receiver;    // "" when the message names none
  absl::string_view aead_nonce;  // SEAL: 12 bytes; SIGN: empty
  absl::string_view payload;     // SIGN: in clear; SEAL: ciphertext
  absl::string_view tag;
};

using AeadNonce = std::array<uint8_t, crypto::AesGcmKey::kNonceSize>;
using AeadTag = std::array<uint8_t, crypto::AesGcmKey::kTagSize>;

// The header of a message from `keys` in `direction`: its identifier,
// instance and cookie (views into `keys`, which must outlive the view), the
// receiver ReceiverFor(keys, direction), `sequence` and `created`.
MessageView HeaderView(const InstanceKeys& keys, sts::v1::ProtectedMessage::Protection protection,
                       Direction direction, uint64_t sequence, absl::Time created);

// A view of `message` (into it), or nullopt when it does not use the default
// derivation written out in full (algorithm HKDF-SHA256, length 32, nothing
// else) or its enums are unknown. Say nothing about its validity otherwise:
// CheckViewShape does.
std::optional<MessageView> ViewOf(const sts::v1::ProtectedMessage& message);

// CheckShape (message.h) for a view: sizes of the token fields, receiver,
// nonce and tag for its protection.
absl::Status CheckViewShape(const MessageView& view);

// Sender. SignView returns the tag of a SIGN view (its tag and aead_nonce
// are ignored). SealView picks a random nonce, encrypts `text` in place (it
// holds the plaintext, then the ciphertext) and writes nonce and tag; the
// view's payload, aead_nonce and tag are ignored. On failure `text` is wiped.
crypto::HmacSha256Tag SignView(const InstanceKeys& keys, const MessageView& view,
                               absl::string_view associated_data);
absl::Status SealView(const InstanceKeys& keys, const MessageView& view,
                      absl::string_view associated_data, absl::Span<uint8_t> text,
                      AeadNonce& nonce, AeadTag& tag);

// Receiver, crypto only (receiver.h adds time, keys and replay). The view's
// shape must have been checked (CheckViewShape). OpenView writes the
// plaintext to `plaintext` (payload.size() bytes, may not overlap anything
// else) only on success and wipes it otherwise. Tags are compared in constant
// time.
absl::Status CheckTagView(const InstanceKeys& keys, const MessageView& view,
                          absl::string_view associated_data);
absl::Status OpenView(const InstanceKeys& keys, const MessageView& view,
                      absl::string_view associated_data, absl::Span<uint8_t> plaintext);

namespace internal {
// ViewOf without the checks for fields a view cannot carry: for message.cc's
// crypto, which those fields do not enter.
std::optional<MessageView> HeaderViewOf(const sts::v1::ProtectedMessage& message);
}  // namespace internal

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_MESSAGE_VIEW_H_
