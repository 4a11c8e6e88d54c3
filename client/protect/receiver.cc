#include "client/protect/receiver.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/constant_time.h"
#include "client/protect/message.h"
#include "client/wire/fault.h"

namespace sts::protect {
namespace {

using sts::v1::ProtectedMessage;
using wire::Refusal;
using wire::Refuse;

absl::Time CreatedOf(const ProtectedMessage& message) {
  return absl::FromUnixNanos(message.created_unix_nanos());
}

// The one crypto check: the tag, and for a sealed message the plaintext.
absl::Status Authenticate(const InstanceKeys& keys, const ProtectedMessage& message,
                          absl::string_view associated_data, std::string* plaintext) {
  return plaintext == nullptr ? CheckTag(keys, message, associated_data)
                              : OpenPayload(keys, message, associated_data, plaintext);
}

}  // namespace

absl::Status Receiver::CheckReceiver(const InstanceKeys& keys, const ProtectedMessage& message,
                                     Direction expected) const {
  const std::string& ours = ReceiverFor(keys, expected);
  if (message.receiver() == ours) return absl::OkStatus();
  if (message.receiver().empty()) {
    if (!options_.require_receiver) return absl::OkStatus();
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("the message names no receiver; it must name ", ours));
  }
  return Refuse(Refusal::kBadProof,
                absl::StrCat("the message is for ", message.receiver(), ", not for ",
                             ours.empty() ? std::string("a context without one") : ours));
}

Receiver::Receiver(KeyResolver* resolver, const Clock* clock, ReceiverOptions options)
    : resolver_(resolver),
      clock_(clock),
      options_(options),
      replay_(options.timestamp_window, options.max_replay_windows) {}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Verify(
    const ProtectedMessage& message, absl::string_view associated_data,
    Direction expected) const {
  if (message.protection() != ProtectedMessage::PROTECTION_SIGN) {
    return Refuse(Refusal::kMalformedRequest, "expected a signed message");
  }
  return Accept(message, associated_data, expected, nullptr);
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Open(
    const ProtectedMessage& message, absl::string_view associated_data, Direction expected,
    std::string* plaintext) const {
  if (message.protection() != ProtectedMessage::PROTECTION_SEAL) {
    return Refuse(Refusal::kMalformedRequest, "expected a sealed message");
  }
  std::string opened;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      Accept(message, associated_data, expected, &opened);
  if (keys.ok()) *plaintext = std::move(opened);
  return keys;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Accept(
    const ProtectedMessage& message, absl::string_view associated_data, Direction expected,
    std::string* plaintext) const {
  // 1. Shape.
  if (absl::Status s = CheckShape(message); !s.ok()) return s;
  if (DirectionOf(message) != expected) {
    return Refuse(Refusal::kMalformedRequest, "the message was sent in the other direction");
  }
  if (IsPSha1(message.derivation().algorithm()) && !options_.accept_psha1) {
    return Refuse(Refusal::kMalformedRequest,
                  "this receiver does not accept P_SHA1 derived keys (they are not separated "
                  "by direction); it must opt in (accept_psha1) for WS-SC peers");
  }
  // 2. Time. Checked before any key is looked up: stale messages cost nothing.
  const absl::Time now = clock_->Now();
  if (absl::AbsDuration(now - CreatedOf(message)) > options_.timestamp_window) {
    return Refuse(Refusal::kStaleProof, "the message timestamp is outside the accepted window");
  }
  // 3. Keys.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      resolver_->Resolve(message.token(), now);
  if (!keys.ok()) return keys.status();
  if (absl::Status s = CheckReceiver(**keys, message, expected); !s.ok()) return s;
  // 4. The tag; one second chance with fresher keys.
  absl::Status authentic = Authenticate(**keys, message, associated_data, plaintext);
  if (authentic.code() == absl::StatusCode::kUnauthenticated) {
    absl::StatusOr<std::shared_ptr<const InstanceKeys>> fresher =
        resolver_->Refresh(message.token(), now);
    if (!fresher.ok()) return fresher.status();
    if (*fresher != nullptr && *fresher != *keys &&
        !crypto::ConstantTimeEquals((*fresher)->context_key(), (*keys)->context_key())) {
      keys = *std::move(fresher);
      authentic = Authenticate(**keys, message, associated_data, plaintext);
    }
  }
  if (!authentic.ok()) return authentic;
  // 5. Replay, only once the message is known to come from a key holder.
  if (absl::Status s = replay_.Accept(message.token().identifier(), expected,
                                      message.sequence(), now);
      !s.ok()) {
    if (plaintext != nullptr) {
      crypto::SecureZero(plaintext->data(), plaintext->size());
      plaintext->clear();
    }
    return s;
  }
  resolver_->Authenticated(message.token(), now);
  return keys;
}

}  // namespace sts::protect
