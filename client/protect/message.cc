#include "client/protect/message.h"

#include <utility>

#include "client/crypto/aead.h"
#include "client/crypto/bytes.h"
#include "client/crypto/hmac.h"
#include "client/crypto/random.h"
#include "client/protect/checks.h"
#include "client/protect/header.h"
#include "client/protect/message_view.h"

namespace sts::protect {
namespace {

using crypto::AsBytes;
using internal::HeaderBuffer;
using internal::HeaderFields;
using internal::Malformed;
using sts::v1::ProtectedMessage;

bool HasUnknownFields(const ProtectedMessage& m) {
  return internal::HasUnknownFields(m) || internal::HasUnknownFields(m.token()) ||
         internal::HasUnknownFields(m.derivation());
}

HeaderFields FieldsOf(const ProtectedMessage& message, absl::string_view associated_data) {
  const sts::v1::KeyDerivation& d = message.derivation();
  HeaderFields f;
  f.protection = static_cast<uint32_t>(message.protection());
  f.direction = static_cast<uint32_t>(message.direction());
  f.identifier = message.token().identifier();
  f.instance = message.token().instance();
  f.cookie = message.token().cookie();
  f.algorithm = d.algorithm();
  f.label = d.label();
  f.nonce = d.nonce();
  if (d.start_case() == sts::v1::KeyDerivation::kOffset) {
    f.start_kind = 1;
    f.start_value = d.offset();
  } else if (d.start_case() == sts::v1::KeyDerivation::kGeneration) {
    f.start_kind = 2;
    f.start_value = d.generation();
  }
  f.length = d.length();
  f.sequence = message.sequence();
  f.created_unix_nanos = message.created_unix_nanos();
  f.aead_nonce = message.aead_nonce();
  f.associated_data = associated_data;
  f.receiver = message.receiver();
  return f;
}

// The keys of a message that has no view (message_view.h): a P_SHA1
// derivation, or HKDF-SHA256 with the length left out. `hold` keeps a
// derived key alive.
absl::StatusOr<const crypto::HmacSha256Key*> MacKeyFor(
    const InstanceKeys& keys, const ProtectedMessage& message,
    std::shared_ptr<const crypto::HmacSha256Key>& hold) {
  if (message.derivation().algorithm() == kHkdfSha256Derivation) {
    return &keys.MacKey(DirectionOf(message));
  }
  absl::StatusOr<DerivedKeyParams> params = PSha1ParamsOf(message.derivation());
  if (!params.ok()) return params.status();
  absl::StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> derived =
      keys.PSha1MacKey(*params);
  if (!derived.ok()) return derived.status();
  hold = *std::move(derived);
  return hold.get();
}

absl::StatusOr<const crypto::AesGcmKey*> AeadKeyFor(
    const InstanceKeys& keys, const ProtectedMessage& message,
    std::shared_ptr<const crypto::AesGcmKey>& hold) {
  if (message.derivation().algorithm() == kHkdfSha256Derivation) {
    return &keys.AeadKey(DirectionOf(message));
  }
  absl::StatusOr<DerivedKeyParams> params = PSha1ParamsOf(message.derivation());
  if (!params.ok()) return params.status();
  absl::StatusOr<std::shared_ptr<const crypto::AesGcmKey>> derived = keys.PSha1AeadKey(*params);
  if (!derived.ok()) return derived.status();
  hold = *std::move(derived);
  return hold.get();
}

// HMAC over header || Bytes(payload), the payload MACed where it lies.
struct MacParts {
  HeaderBuffer buffer;
  absl::string_view header;
  std::array<uint8_t, 4> payload_length;
};

void FillMacParts(const ProtectedMessage& message, absl::string_view associated_data,
                  MacParts& parts) {
  parts.header = internal::EncodeHeader(FieldsOf(message, associated_data), parts.buffer);
  parts.payload_length = internal::U32Be(message.payload().size());
}

}  // namespace

std::string CanonicalHeader(const ProtectedMessage& message, absl::string_view associated_data) {
  HeaderBuffer buffer;
  return std::string(internal::EncodeHeader(FieldsOf(message, associated_data), buffer));
}

void FillHeader(const InstanceKeys& keys, const DerivationOptions& derivation,
                ProtectedMessage::Protection protection, Direction direction, uint64_t sequence,
                absl::Time created, ProtectedMessage* message,
                const std::optional<std::string>& receiver) {
  sts::v1::SecurityContextToken* token = message->mutable_token();
  token->set_identifier(keys.identifier());
  token->set_instance(keys.instance());
  token->set_cookie(keys.info().cookie);
  sts::v1::KeyDerivation* d = message->mutable_derivation();
  d->Clear();
  if (derivation.algorithm == DerivationOptions::Algorithm::kHkdfSha256) {
    d->set_algorithm(std::string(kHkdfSha256Derivation));
    d->set_length(32);
  } else {
    d->set_algorithm(std::string(kPSha1Derivation));
    d->set_label(derivation.label);
    d->set_nonce(keys.SenderNonce(
        protection == ProtectedMessage::PROTECTION_SEAL ? Purpose::kEncrypt : Purpose::kSign,
        direction));
    if (derivation.generation.has_value()) d->set_generation(*derivation.generation);
    d->set_length(derivation.length);
  }
  message->set_protection(protection);
  message->set_direction(static_cast<ProtectedMessage::Direction>(direction));
  message->set_sequence(sequence);
  message->set_created_unix_nanos(absl::ToUnixNanos(created));
  message->set_receiver(receiver.has_value() ? *receiver : ReceiverFor(keys, direction));
}

absl::Status CheckShape(const ProtectedMessage& message) {
  if (HasUnknownFields(message)) {
    return Malformed("the message carries fields this receiver does not know");
  }
  const sts::v1::SecurityContextToken& token = message.token();
  if (absl::Status s = internal::CheckTokenShape(token.identifier(), token.instance(),
                                                 token.cookie(), message.receiver());
      !s.ok()) {
    return s;
  }
  if (!token.wsu_id().empty()) return Malformed("token.wsu_id must be empty in a message");
  if (message.direction() != ProtectedMessage::DIRECTION_CLIENT_TO_SERVER &&
      message.direction() != ProtectedMessage::DIRECTION_SERVER_TO_CLIENT) {
    return Malformed("unknown message direction");
  }
  const sts::v1::KeyDerivation& d = message.derivation();
  if (d.algorithm().size() > internal::kMaxAlgorithmBytes) {
    return Malformed("oversized algorithm URI");
  }
  if (d.algorithm() == kHkdfSha256Derivation) {
    if (!d.label().empty() || !d.nonce().empty() ||
        d.start_case() != sts::v1::KeyDerivation::START_NOT_SET ||
        (d.length() != 0 && d.length() != 32)) {
      return Malformed("HKDF-SHA256 derivation takes no label, nonce, offset or generation "
                       "and is 32 bytes long");
    }
  } else if (IsPSha1(d.algorithm())) {
    if (absl::StatusOr<DerivedKeyParams> p = PSha1ParamsOf(d); !p.ok()) return p.status();
  } else {
    return Malformed("unknown key derivation algorithm");
  }
  switch (message.protection()) {
    case ProtectedMessage::PROTECTION_SIGN:
      if (!message.aead_nonce().empty()) return Malformed("a signed message has no AEAD nonce");
      return internal::CheckTagLength(message.tag(), crypto::HmacSha256Key::kTagSize);
    case ProtectedMessage::PROTECTION_SEAL:
      if (message.aead_nonce().size() != crypto::AesGcmKey::kNonceSize) {
        return Malformed("the AEAD nonce must be 12 bytes");
      }
      if (absl::Status s = internal::CheckTagLength(message.tag(), crypto::AesGcmKey::kTagSize);
          !s.ok()) {
        return s;
      }
      if (d.length() != 0 && d.length() != 32) {
        return Malformed("a sealed message's key must be 32 bytes long");
      }
      return absl::OkStatus();
    default:
      return Malformed("unknown message protection");
  }
}

// Messages under the default derivation go through their view
// (message_view.cc), which knows the instance's pre-encoded header start;
// the rest encode their whole header here.

absl::Status SignInPlace(const InstanceKeys& keys, ProtectedMessage* message,
                         absl::string_view associated_data) {
  message->set_protection(ProtectedMessage::PROTECTION_SIGN);
  message->clear_aead_nonce();
  crypto::HmacSha256Tag tag;
  if (const std::optional<MessageView> view = internal::HeaderViewOf(*message); view.has_value()) {
    tag = SignView(keys, *view, associated_data);
  } else {
    std::shared_ptr<const crypto::HmacSha256Key> hold;
    absl::StatusOr<const crypto::HmacSha256Key*> key = MacKeyFor(keys, *message, hold);
    if (!key.ok()) return key.status();
    MacParts parts;
    FillMacParts(*message, associated_data, parts);
    tag = (*key)->Sign(
        {AsBytes(parts.header), parts.payload_length, AsBytes(message->payload())});
  }
  message->set_tag(reinterpret_cast<const char*>(tag.data()), tag.size());
  return absl::OkStatus();
}

absl::Status SealInPlace(const InstanceKeys& keys, ProtectedMessage* message,
                         absl::string_view associated_data) {
  message->set_protection(ProtectedMessage::PROTECTION_SEAL);
  // Sealed in place in the payload's own buffer; nonce and tag go to their
  // fields.
  std::string* payload = message->mutable_payload();
  const auto text = absl::MakeSpan(reinterpret_cast<uint8_t*>(payload->data()), payload->size());
  AeadNonce nonce;
  AeadTag tag;
  absl::Status sealed;
  if (const std::optional<MessageView> view = internal::HeaderViewOf(*message); view.has_value()) {
    sealed = SealView(keys, *view, associated_data, text, nonce, tag);
  } else {
    std::shared_ptr<const crypto::AesGcmKey> hold;
    absl::StatusOr<const crypto::AesGcmKey*> key = AeadKeyFor(keys, *message, hold);
    if (!key.ok()) return key.status();
    sealed = crypto::RandomPublicFill(absl::MakeSpan(nonce));
    if (sealed.ok()) {
      message->set_aead_nonce(reinterpret_cast<const char*>(nonce.data()), nonce.size());
      HeaderBuffer buffer;
      const absl::string_view aad =
          internal::EncodeHeader(FieldsOf(*message, associated_data), buffer);
      sealed = (*key)->SealDetached(nonce, text, AsBytes(aad), text, absl::MakeSpan(tag));
    }
  }
  if (!sealed.ok()) {
    payload->clear();
    return sealed;
  }
  message->set_aead_nonce(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  message->set_tag(reinterpret_cast<const char*>(tag.data()), tag.size());
  return absl::OkStatus();
}

absl::Status CheckTag(const InstanceKeys& keys, const ProtectedMessage& message,
                      absl::string_view associated_data) {
  if (message.protection() != ProtectedMessage::PROTECTION_SIGN) {
    return Malformed("not a signed message");
  }
  if (const std::optional<MessageView> view = internal::HeaderViewOf(message); view.has_value()) {
    return CheckTagView(keys, *view, associated_data);
  }
  if (absl::Status s = internal::CheckTagLength(message.tag(), crypto::HmacSha256Key::kTagSize);
      !s.ok()) {
    return s;
  }
  std::shared_ptr<const crypto::HmacSha256Key> hold;
  absl::StatusOr<const crypto::HmacSha256Key*> key = MacKeyFor(keys, message, hold);
  if (!key.ok()) return key.status();
  MacParts parts;
  FillMacParts(message, associated_data, parts);
  // Verify compares in constant time and refuses any tag that is not 32 bytes.
  if (!(*key)->Verify({AsBytes(parts.header), parts.payload_length, AsBytes(message.payload())},
                      AsBytes(message.tag()))) {
    return internal::NotAuthentic();
  }
  return absl::OkStatus();
}

absl::Status OpenPayload(const InstanceKeys& keys, const ProtectedMessage& message,
                         absl::string_view associated_data, std::string* plaintext) {
  if (message.protection() != ProtectedMessage::PROTECTION_SEAL) {
    return Malformed("not a sealed message");
  }
  if (absl::Status s = internal::CheckTagLength(message.tag(), crypto::AesGcmKey::kTagSize);
      !s.ok()) {
    return s;
  }
  std::string buffer(message.payload().size(), '\0');
  const auto out = absl::MakeSpan(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size());
  if (const std::optional<MessageView> view = internal::HeaderViewOf(message); view.has_value()) {
    if (absl::Status s = OpenView(keys, *view, associated_data, out); !s.ok()) return s;
  } else {
    std::shared_ptr<const crypto::AesGcmKey> hold;
    absl::StatusOr<const crypto::AesGcmKey*> key = AeadKeyFor(keys, message, hold);
    if (!key.ok()) return key.status();
    HeaderBuffer header;
    const absl::string_view aad =
        internal::EncodeHeader(FieldsOf(message, associated_data), header);
    const absl::Status opened =
        (*key)->OpenDetached(AsBytes(message.aead_nonce()), AsBytes(message.payload()),
                             AsBytes(message.tag()), AsBytes(aad), out);
    if (!opened.ok()) return internal::OpenFailure(opened);
  }
  *plaintext = std::move(buffer);
  return absl::OkStatus();
}

}  // namespace sts::protect
