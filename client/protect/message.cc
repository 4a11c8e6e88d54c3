#include "client/protect/message.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/aead.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/hmac.h"
#include "client/crypto/random.h"
#include "client/wire/canonical.h"
#include "client/wire/fault.h"
#include "google/protobuf/reflection.h"

namespace sts::protect {
namespace {

using crypto::AsBytes;
using sts::v1::ProtectedMessage;
using wire::Refusal;
using wire::Refuse;

constexpr size_t kMaxIdentifierBytes = 1024;
constexpr size_t kMaxInstanceBytes = 64;
constexpr size_t kMaxCookieBytes = 16 * 1024;
constexpr size_t kMaxAlgorithmBytes = 256;
constexpr size_t kMaxReceiverBytes = 1024;

absl::Status Malformed(absl::string_view reason) {
  return Refuse(Refusal::kMalformedRequest, reason);
}

absl::Status NotAuthentic() {
  return Refuse(Refusal::kBadProof, "the message does not authenticate");
}

// A length prefix (canonical Bytes) for data passed as a separate MAC part.
std::array<uint8_t, 4> U32Be(size_t n) {
  const uint32_t v = static_cast<uint32_t>(n);
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

// docs/PROTECTED_MESSAGE.md section 5, step 1: a tag longer than the
// primitive's is malformed; a shorter one is a truncation, which is an
// authentication failure (truncated tags are never accepted).
absl::Status CheckTagLength(absl::string_view tag, size_t expected) {
  if (tag.size() > expected) {
    return Malformed(absl::StrCat("the tag must be ", expected, " bytes; it has ", tag.size()));
  }
  if (tag.size() < expected) {
    return Refuse(Refusal::kBadProof,
                  absl::StrCat("the tag must be ", expected, " bytes (never truncated)"));
  }
  return absl::OkStatus();
}

bool HasUnknownFields(const google::protobuf::Message& m) {
  return !m.GetReflection()->GetUnknownFields(m).empty();
}

// The HMAC key a Sign message names.
absl::StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> MacKeyFor(
    const InstanceKeys& keys, const ProtectedMessage& message,
    const crypto::HmacSha256Key** key) {
  if (message.derivation().algorithm() == kHkdfSha256Derivation) {
    *key = &keys.MacKey(DirectionOf(message));
    return nullptr;
  }
  absl::StatusOr<DerivedKeyParams> params = PSha1ParamsOf(message.derivation());
  if (!params.ok()) return params.status();
  absl::StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> derived =
      keys.PSha1MacKey(*params);
  if (derived.ok()) *key = derived->get();
  return derived;
}

absl::StatusOr<std::shared_ptr<const crypto::AesGcmKey>> AeadKeyFor(
    const InstanceKeys& keys, const ProtectedMessage& message, const crypto::AesGcmKey** key) {
  if (message.derivation().algorithm() == kHkdfSha256Derivation) {
    *key = &keys.AeadKey(DirectionOf(message));
    return nullptr;
  }
  absl::StatusOr<DerivedKeyParams> params = PSha1ParamsOf(message.derivation());
  if (!params.ok()) return params.status();
  absl::StatusOr<std::shared_ptr<const crypto::AesGcmKey>> derived = keys.PSha1AeadKey(*params);
  if (derived.ok()) *key = derived->get();
  return derived;
}

}  // namespace

namespace {

// Fields 1-12 of the header: fixed for a context instance, a direction and a
// derivation.
void WriteHeaderStart(uint32_t protection, uint32_t direction,
                      const sts::v1::SecurityContextToken& token,
                      const sts::v1::KeyDerivation& d, wire::CanonicalWriter& w) {
  uint32_t start_kind = 0;
  uint64_t start_value = 0;
  if (d.start_case() == sts::v1::KeyDerivation::kOffset) {
    start_kind = 1;
    start_value = d.offset();
  } else if (d.start_case() == sts::v1::KeyDerivation::kGeneration) {
    start_kind = 2;
    start_value = d.generation();
  }
  w.Bytes(kProtectedMessageDomain)
      .U32(protection)
      .U32(direction)
      .Bytes(token.identifier())
      .Bytes(token.instance())
      .Bytes(token.cookie())
      .Bytes(d.algorithm())
      .Bytes(d.label())
      .Bytes(d.nonce())
      .U32(start_kind)
      .U64(start_value)
      .U32(d.length());
}

// Fields 13-16, what changes per message, and field 17, the receiver, only
// when there is one: messages without it keep the bytes they always had, and
// the two forms never coincide (the header with a receiver is longer by
// Bytes(receiver), and every field before it is length-prefixed or fixed).
void WriteHeaderEnd(const ProtectedMessage& message, absl::string_view associated_data,
                    wire::CanonicalWriter& w) {
  w.U64(message.sequence())
      .I64(message.created_unix_nanos())
      .Bytes(message.aead_nonce())
      .Bytes(associated_data);
  if (!message.receiver().empty()) w.Bytes(message.receiver());
}

// Whether the first twelve header fields of `message` are those
// HkdfSignHeaderStart wrote for `keys`, so that the key with that start
// absorbed may be used.
bool HasInstanceHeaderStart(const InstanceKeys& keys, const ProtectedMessage& message) {
  const sts::v1::KeyDerivation& d = message.derivation();
  const sts::v1::SecurityContextToken& token = message.token();
  return message.protection() == ProtectedMessage::PROTECTION_SIGN &&
         d.algorithm() == kHkdfSha256Derivation && d.label().empty() && d.nonce().empty() &&
         d.start_case() == sts::v1::KeyDerivation::START_NOT_SET && d.length() == 32 &&
         token.identifier() == keys.identifier() && token.instance() == keys.instance() &&
         token.cookie() == keys.info().cookie;
}

// What a SIGN message's MAC runs over, apart from Bytes(payload): the whole
// header under `key`; or, when `key` is the instance's HKDF key and the
// header starts as HkdfSignHeaderStart, only the end of the header under the
// key that has absorbed that start (the same MAC, ~150 bytes less hashing).
struct MacInput {
  const crypto::HmacSha256Key* key;
  std::string header;
};

MacInput MacInputFor(const InstanceKeys& keys, const crypto::HmacSha256Key& key,
                     const ProtectedMessage& message, absl::string_view associated_data) {
  const Direction direction = DirectionOf(message);
  if (&key == &keys.MacKey(direction) && HasInstanceHeaderStart(keys, message)) {
    wire::CanonicalWriter w(40 + associated_data.size() + message.receiver().size());
    WriteHeaderEnd(message, associated_data, w);
    return {&keys.MacKeyAfterHeaderStart(direction), w.Release()};
  }
  return {&key, CanonicalHeader(message, associated_data)};
}

crypto::HmacSha256Tag SignTag(const InstanceKeys& keys, const crypto::HmacSha256Key& key,
                              const ProtectedMessage& message, absl::string_view associated_data) {
  // The payload is MACed where it lies, not copied.
  const MacInput in = MacInputFor(keys, key, message, associated_data);
  const std::array<uint8_t, 4> payload_length = U32Be(message.payload().size());
  return in.key->Sign({AsBytes(in.header), payload_length, AsBytes(message.payload())});
}

}  // namespace

std::string CanonicalHeader(const ProtectedMessage& message, absl::string_view associated_data) {
  const sts::v1::KeyDerivation& d = message.derivation();
  wire::CanonicalWriter w(192 + message.token().identifier().size() +
                          message.token().cookie().size() + d.algorithm().size() +
                          d.label().size() + d.nonce().size() + associated_data.size() +
                          message.receiver().size());
  WriteHeaderStart(static_cast<uint32_t>(message.protection()),
                   static_cast<uint32_t>(message.direction()), message.token(), d, w);
  WriteHeaderEnd(message, associated_data, w);
  return w.Release();
}

std::string HkdfSignHeaderStart(absl::string_view identifier, absl::string_view instance,
                                absl::string_view cookie, Direction direction) {
  sts::v1::SecurityContextToken token;
  token.set_identifier(std::string(identifier));
  token.set_instance(std::string(instance));
  token.set_cookie(std::string(cookie));
  sts::v1::KeyDerivation d;
  d.set_algorithm(std::string(kHkdfSha256Derivation));
  d.set_length(32);
  wire::CanonicalWriter w(192 + identifier.size() + cookie.size());
  WriteHeaderStart(ProtectedMessage::PROTECTION_SIGN,
                   direction == Direction::kClientToServer
                       ? ProtectedMessage::DIRECTION_CLIENT_TO_SERVER
                       : ProtectedMessage::DIRECTION_SERVER_TO_CLIENT,
                   token, d, w);
  return w.Release();
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
  if (HasUnknownFields(message) || HasUnknownFields(message.token()) ||
      HasUnknownFields(message.derivation())) {
    return Malformed("the message carries fields this receiver does not know");
  }
  const sts::v1::SecurityContextToken& token = message.token();
  if (token.identifier().empty() || token.identifier().size() > kMaxIdentifierBytes) {
    return Malformed("the message names no context identifier (or an oversized one)");
  }
  if (token.instance().empty() || token.instance().size() > kMaxInstanceBytes) {
    return Malformed("the message names no key instance (or an oversized one)");
  }
  if (!token.wsu_id().empty()) return Malformed("token.wsu_id must be empty in a message");
  if (token.cookie().size() > kMaxCookieBytes) return Malformed("oversized context cookie");
  if (message.receiver().size() > kMaxReceiverBytes) return Malformed("oversized receiver");
  if (message.direction() != ProtectedMessage::DIRECTION_CLIENT_TO_SERVER &&
      message.direction() != ProtectedMessage::DIRECTION_SERVER_TO_CLIENT) {
    return Malformed("unknown message direction");
  }
  const sts::v1::KeyDerivation& d = message.derivation();
  if (d.algorithm().size() > kMaxAlgorithmBytes) return Malformed("oversized algorithm URI");
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
      if (absl::Status s = CheckTagLength(message.tag(), crypto::HmacSha256Key::kTagSize);
          !s.ok()) {
        return s;
      }
      break;
    case ProtectedMessage::PROTECTION_SEAL:
      if (message.aead_nonce().size() != crypto::AesGcmKey::kNonceSize) {
        return Malformed("the AEAD nonce must be 12 bytes");
      }
      if (absl::Status s = CheckTagLength(message.tag(), crypto::AesGcmKey::kTagSize);
          !s.ok()) {
        return s;
      }
      if (d.length() != 0 && d.length() != 32) {
        return Malformed("a sealed message's key must be 32 bytes long");
      }
      break;
    default:
      return Malformed("unknown message protection");
  }
  return absl::OkStatus();
}

absl::Status SignInPlace(const InstanceKeys& keys, ProtectedMessage* message,
                         absl::string_view associated_data) {
  message->set_protection(ProtectedMessage::PROTECTION_SIGN);
  message->clear_aead_nonce();
  const crypto::HmacSha256Key* key = nullptr;
  auto hold = MacKeyFor(keys, *message, &key);
  if (!hold.ok()) return hold.status();
  const crypto::HmacSha256Tag tag = SignTag(keys, *key, *message, associated_data);
  message->set_tag(reinterpret_cast<const char*>(tag.data()), tag.size());
  return absl::OkStatus();
}

absl::Status SealInPlace(const InstanceKeys& keys, ProtectedMessage* message,
                         absl::string_view associated_data) {
  message->set_protection(ProtectedMessage::PROTECTION_SEAL);
  const crypto::AesGcmKey* key = nullptr;
  auto hold = AeadKeyFor(keys, *message, &key);
  if (!hold.ok()) return hold.status();
  // Random 96-bit nonces: the NIST SP 800-38D limit of 2^32 messages per key
  // is far beyond a context's lifetime at any realistic rate, and a renewal
  // resets it with a new key.
  std::array<uint8_t, crypto::AesGcmKey::kNonceSize> nonce;
  if (absl::Status s = crypto::RandomPublicFill(absl::MakeSpan(nonce)); !s.ok()) return s;
  message->set_aead_nonce(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  const std::string aad = CanonicalHeader(*message, associated_data);
  // Sealed in place in the payload's own buffer; the tag goes to its field.
  std::string* payload = message->mutable_payload();
  uint8_t* data = reinterpret_cast<uint8_t*>(payload->data());
  const auto text = absl::MakeSpan(data, payload->size());
  std::array<uint8_t, crypto::AesGcmKey::kTagSize> tag;
  absl::Status sealed = key->SealDetached(AsBytes(message->aead_nonce()), text, AsBytes(aad),
                                          text, absl::MakeSpan(tag));
  if (!sealed.ok()) {
    payload->clear();
    return sealed;
  }
  message->set_tag(reinterpret_cast<const char*>(tag.data()), tag.size());
  return absl::OkStatus();
}

absl::Status CheckTag(const InstanceKeys& keys, const ProtectedMessage& message,
                      absl::string_view associated_data) {
  if (message.protection() != ProtectedMessage::PROTECTION_SIGN) {
    return Malformed("not a signed message");
  }
  if (absl::Status s = CheckTagLength(message.tag(), crypto::HmacSha256Key::kTagSize);
      !s.ok()) {
    return s;
  }
  const crypto::HmacSha256Key* key = nullptr;
  auto hold = MacKeyFor(keys, message, &key);
  if (!hold.ok()) return hold.status();
  const MacInput in = MacInputFor(keys, *key, message, associated_data);
  const std::array<uint8_t, 4> payload_length = U32Be(message.payload().size());
  // Verify compares in constant time and refuses any tag that is not 32 bytes.
  if (!in.key->Verify({AsBytes(in.header), payload_length, AsBytes(message.payload())},
                      AsBytes(message.tag()))) {
    return NotAuthentic();
  }
  return absl::OkStatus();
}

absl::Status OpenPayload(const InstanceKeys& keys, const ProtectedMessage& message,
                         absl::string_view associated_data, std::string* plaintext) {
  if (message.protection() != ProtectedMessage::PROTECTION_SEAL) {
    return Malformed("not a sealed message");
  }
  if (absl::Status s = CheckTagLength(message.tag(), crypto::AesGcmKey::kTagSize); !s.ok()) {
    return s;
  }
  const crypto::AesGcmKey* key = nullptr;
  auto hold = AeadKeyFor(keys, message, &key);
  if (!hold.ok()) return hold.status();
  const std::string aad = CanonicalHeader(message, associated_data);
  std::string buffer(message.payload().size(), '\0');
  const absl::Status opened =
      key->OpenDetached(AsBytes(message.aead_nonce()), AsBytes(message.payload()),
                        AsBytes(message.tag()), AsBytes(aad),
                        absl::MakeSpan(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size()));
  if (!opened.ok()) {
    // OpenDetached wiped what it decrypted. Every authentication failure is
    // the same refusal to the caller.
    switch (opened.code()) {
      case absl::StatusCode::kDataLoss:
        return NotAuthentic();
      case absl::StatusCode::kInvalidArgument:
        return Malformed("the sealed message has a malformed nonce or ciphertext");
      default:
        return Refuse(Refusal::kInternal, "AEAD backend failure");
    }
  }
  *plaintext = std::move(buffer);
  return absl::OkStatus();
}

}  // namespace sts::protect
