#include "client/protect/message_view.h"

#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/crypto/constant_time.h"
#include "client/protect/checks.h"
#include "client/protect/header.h"

namespace sts::protect {
namespace {

using crypto::AsBytes;
using internal::HeaderBuffer;
using internal::HeaderFields;
using internal::Malformed;
using sts::v1::ProtectedMessage;

HeaderFields FieldsOf(const MessageView& view, ProtectedMessage::Protection protection,
                      absl::string_view aead_nonce, absl::string_view associated_data) {
  HeaderFields f = internal::HkdfHeaderFields(protection, view.direction, view.identifier,
                                              view.instance, view.cookie);
  f.sequence = view.sequence;
  f.created_unix_nanos = view.created_unix_nanos;
  f.aead_nonce = aead_nonce;
  f.associated_data = associated_data;
  f.receiver = view.receiver;
  return f;
}

// Whether the view names `keys`' own context instance, whose header start
// InstanceKeys holds encoded (and, for SIGN, absorbed into a MAC key).
bool NamesInstance(const InstanceKeys& keys, const MessageView& view) {
  return view.identifier == keys.identifier() && view.instance == keys.instance() &&
         view.cookie == keys.info().cookie;
}

// The MAC key and the header bytes a SIGN view's MAC runs over besides
// Bytes(payload): only the header's end under the key that absorbed its
// start, when the view names `keys`' instance; else all of it.
struct MacInput {
  const crypto::HmacSha256Key* key;
  absl::string_view header;
};

MacInput MacInputFor(const InstanceKeys& keys, const MessageView& view,
                     absl::string_view associated_data, HeaderBuffer& buffer) {
  const HeaderFields f = FieldsOf(view, ProtectedMessage::PROTECTION_SIGN, {}, associated_data);
  if (NamesInstance(keys, view)) {
    return {&keys.MacKeyAfterHeaderStart(view.direction), internal::EncodeHeaderEnd(f, buffer)};
  }
  return {&keys.MacKey(view.direction), internal::EncodeHeader(f, buffer)};
}

absl::string_view AadFor(const InstanceKeys& keys, const MessageView& view,
                         absl::string_view aead_nonce, absl::string_view associated_data,
                         HeaderBuffer& buffer) {
  const HeaderFields f =
      FieldsOf(view, ProtectedMessage::PROTECTION_SEAL, aead_nonce, associated_data);
  // A string_view on both arms: `cond ? const std::string& : ""` has type
  // std::string, a heap copy of the header start on every call.
  const absl::string_view start = NamesInstance(keys, view)
                                      ? absl::string_view(keys.SealHeaderStart(view.direction))
                                      : absl::string_view();
  return internal::EncodeHeader(f, buffer, start);
}

absl::string_view AsView(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

MessageView HeaderView(const InstanceKeys& keys, ProtectedMessage::Protection protection,
                       Direction direction, uint64_t sequence, absl::Time created) {
  MessageView view;
  view.protection = protection;
  view.direction = direction;
  view.identifier = keys.identifier();
  view.instance = keys.instance();
  view.cookie = keys.info().cookie;
  view.sequence = sequence;
  view.created_unix_nanos = absl::ToUnixNanos(created);
  view.receiver = ReceiverFor(keys, direction);
  return view;
}

namespace internal {

std::optional<MessageView> HeaderViewOf(const ProtectedMessage& message) {
  const sts::v1::KeyDerivation& d = message.derivation();
  if (d.algorithm() != kHkdfSha256Derivation || d.length() != 32 || !d.label().empty() ||
      !d.nonce().empty() || d.start_case() != sts::v1::KeyDerivation::START_NOT_SET) {
    return std::nullopt;
  }
  if (message.protection() != ProtectedMessage::PROTECTION_SIGN &&
      message.protection() != ProtectedMessage::PROTECTION_SEAL) {
    return std::nullopt;
  }
  if (message.direction() != ProtectedMessage::DIRECTION_CLIENT_TO_SERVER &&
      message.direction() != ProtectedMessage::DIRECTION_SERVER_TO_CLIENT) {
    return std::nullopt;
  }
  const sts::v1::SecurityContextToken& token = message.token();
  MessageView view;
  view.protection = message.protection();
  view.direction = DirectionOf(message);
  view.identifier = token.identifier();
  view.instance = token.instance();
  view.cookie = token.cookie();
  view.sequence = message.sequence();
  view.created_unix_nanos = message.created_unix_nanos();
  view.receiver = message.receiver();
  view.aead_nonce = message.aead_nonce();
  view.payload = message.payload();
  view.tag = message.tag();
  return view;
}

}  // namespace internal

std::optional<MessageView> ViewOf(const ProtectedMessage& message) {
  // What a view cannot carry must not vanish in it: such a message is
  // refused by CheckShape, so it gets no view.
  if (!message.token().wsu_id().empty() || internal::HasUnknownFields(message) ||
      internal::HasUnknownFields(message.token()) ||
      internal::HasUnknownFields(message.derivation())) {
    return std::nullopt;
  }
  return internal::HeaderViewOf(message);
}

absl::Status CheckViewShape(const MessageView& view) {
  if (absl::Status s =
          internal::CheckTokenShape(view.identifier, view.instance, view.cookie, view.receiver);
      !s.ok()) {
    return s;
  }
  if (view.direction != Direction::kClientToServer &&
      view.direction != Direction::kServerToClient) {
    return Malformed("unknown message direction");
  }
  switch (view.protection) {
    case ProtectedMessage::PROTECTION_SIGN:
      if (!view.aead_nonce.empty()) return Malformed("a signed message has no AEAD nonce");
      return internal::CheckTagLength(view.tag, crypto::HmacSha256Key::kTagSize);
    case ProtectedMessage::PROTECTION_SEAL:
      if (view.aead_nonce.size() != crypto::AesGcmKey::kNonceSize) {
        return Malformed("the AEAD nonce must be 12 bytes");
      }
      return internal::CheckTagLength(view.tag, crypto::AesGcmKey::kTagSize);
    default:
      return Malformed("unknown message protection");
  }
}

crypto::HmacSha256Tag SignView(const InstanceKeys& keys, const MessageView& view,
                               absl::string_view associated_data) {
  HeaderBuffer buffer;
  const MacInput in = MacInputFor(keys, view, associated_data, buffer);
  // The payload is MACed where it lies, not copied.
  const std::array<uint8_t, 4> payload_length = internal::U32Be(view.payload.size());
  return in.key->Sign({AsBytes(in.header), payload_length, AsBytes(view.payload)});
}

absl::Status CheckTagView(const InstanceKeys& keys, const MessageView& view,
                          absl::string_view associated_data) {
  if (view.protection != ProtectedMessage::PROTECTION_SIGN) {
    return Malformed("not a signed message");
  }
  if (absl::Status s = internal::CheckTagLength(view.tag, crypto::HmacSha256Key::kTagSize);
      !s.ok()) {
    return s;
  }
  HeaderBuffer buffer;
  const MacInput in = MacInputFor(keys, view, associated_data, buffer);
  const std::array<uint8_t, 4> payload_length = internal::U32Be(view.payload.size());
  // Verify compares in constant time and refuses any tag that is not 32 bytes.
  if (!in.key->Verify({AsBytes(in.header), payload_length, AsBytes(view.payload)},
                      AsBytes(view.tag))) {
    return internal::NotAuthentic();
  }
  return absl::OkStatus();
}

absl::Status SealView(const InstanceKeys& keys, const MessageView& view,
                      absl::string_view associated_data, absl::Span<uint8_t> text,
                      AeadNonce& nonce, AeadTag& tag) {
  // Random 96-bit nonces: the NIST SP 800-38D limit of 2^32 messages per key
  // is far beyond a context's lifetime at any realistic rate, and a renewal
  // resets it with a new key.
  absl::Status sealed = crypto::RandomPublicFill(absl::MakeSpan(nonce));
  if (sealed.ok()) {
    HeaderBuffer buffer;
    const absl::string_view aad = AadFor(keys, view, AsView(nonce), associated_data, buffer);
    sealed = keys.AeadKey(view.direction)
                 .SealDetached(nonce, text, AsBytes(aad), text, absl::MakeSpan(tag));
  }
  if (!sealed.ok()) crypto::SecureZero(text.data(), text.size());
  return sealed;
}

absl::Status OpenView(const InstanceKeys& keys, const MessageView& view,
                      absl::string_view associated_data, absl::Span<uint8_t> plaintext) {
  if (view.protection != ProtectedMessage::PROTECTION_SEAL) {
    return Malformed("not a sealed message");
  }
  if (absl::Status s = internal::CheckTagLength(view.tag, crypto::AesGcmKey::kTagSize);
      !s.ok()) {
    return s;
  }
  if (plaintext.size() != view.payload.size()) {
    return absl::InvalidArgumentError("the plaintext buffer must have the payload's size");
  }
  HeaderBuffer buffer;
  const absl::string_view aad = AadFor(keys, view, view.aead_nonce, associated_data, buffer);
  const absl::Status opened =
      keys.AeadKey(view.direction)
          .OpenDetached(AsBytes(view.aead_nonce), AsBytes(view.payload), AsBytes(view.tag),
                        AsBytes(aad), plaintext);
  if (!opened.ok()) return internal::OpenFailure(opened);
  return absl::OkStatus();
}

}  // namespace sts::protect
