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

void Wipe(absl::Span<uint8_t> bytes) { crypto::SecureZero(bytes.data(), bytes.size()); }

// KeyResolver takes a sts::v1::SecurityContextToken. For a view, its fields
// are copied into a token the thread keeps, whose strings keep their
// capacity: no allocation after the thread's first message. Should a
// resolver receive a message on the same thread while it resolves (none
// does), the inner call gets a token of its own instead.
class ViewToken {
 public:
  explicit ViewToken(const MessageView& view) {
    thread_local Slot slot;
    if (!slot.busy) {
      slot.busy = true;
      slot_ = &slot;
      token_ = &slot.token;
    } else {
      own_ = std::make_unique<sts::v1::SecurityContextToken>();
      token_ = own_.get();
    }
    token_->mutable_identifier()->assign(view.identifier.data(), view.identifier.size());
    token_->mutable_instance()->assign(view.instance.data(), view.instance.size());
    token_->mutable_cookie()->assign(view.cookie.data(), view.cookie.size());
  }
  ~ViewToken() {
    if (slot_ != nullptr) slot_->busy = false;
  }
  ViewToken(const ViewToken&) = delete;
  ViewToken& operator=(const ViewToken&) = delete;

  const sts::v1::SecurityContextToken& token() const { return *token_; }

 private:
  struct Slot {
    bool busy = false;
    sts::v1::SecurityContextToken token;
  };
  Slot* slot_ = nullptr;
  std::unique_ptr<sts::v1::SecurityContextToken> own_;
  sts::v1::SecurityContextToken* token_ = nullptr;
};

absl::Status WrongDirection() {
  return Refuse(Refusal::kMalformedRequest, "the message was sent in the other direction");
}

}  // namespace

absl::Status Receiver::CheckReceiver(const InstanceKeys& keys, absl::string_view receiver,
                                     Direction expected) const {
  const std::string& ours = ReceiverFor(keys, expected);
  if (receiver == ours) return absl::OkStatus();
  if (receiver.empty()) {
    if (!options_.require_receiver) return absl::OkStatus();
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("the message names no receiver; it must name ", ours));
  }
  return Refuse(Refusal::kBadProof,
                absl::StrCat("the message is for ", receiver, ", not for ",
                             ours.empty() ? std::string("a context without one") : ours));
}

Receiver::Receiver(KeyResolver* resolver, const Clock* clock, ReceiverOptions options)
    : resolver_(resolver),
      clock_(clock),
      options_(options),
      replay_(options.timestamp_window, options.max_replay_windows) {}

absl::Status Receiver::CheckMessageShape(const ProtectedMessage& message,
                                         Direction expected) const {
  if (absl::Status s = CheckShape(message); !s.ok()) return s;
  if (DirectionOf(message) != expected) return WrongDirection();
  if (IsPSha1(message.derivation().algorithm()) && !options_.accept_psha1) {
    return Refuse(Refusal::kMalformedRequest,
                  "this receiver does not accept P_SHA1 derived keys (they are not separated "
                  "by direction); it must opt in (accept_psha1) for WS-SC peers");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Verify(
    const ProtectedMessage& message, absl::string_view associated_data,
    Direction expected) const {
  if (message.protection() != ProtectedMessage::PROTECTION_SIGN) {
    return Refuse(Refusal::kMalformedRequest, "expected a signed message");
  }
  if (absl::Status s = CheckMessageShape(message, expected); !s.ok()) return s;
  return Accept(
      {message.token(), message.receiver(), message.created_unix_nanos(), message.sequence()},
      expected,
      [&](const InstanceKeys& keys) { return CheckTag(keys, message, associated_data); },
      [] {});
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Open(
    const ProtectedMessage& message, absl::string_view associated_data, Direction expected,
    std::string* plaintext) const {
  if (message.protection() != ProtectedMessage::PROTECTION_SEAL) {
    return Refuse(Refusal::kMalformedRequest, "expected a sealed message");
  }
  if (absl::Status s = CheckMessageShape(message, expected); !s.ok()) return s;
  std::string opened;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = Accept(
      {message.token(), message.receiver(), message.created_unix_nanos(), message.sequence()},
      expected,
      [&](const InstanceKeys& k) { return OpenPayload(k, message, associated_data, &opened); },
      [&] {
        crypto::SecureZero(opened.data(), opened.size());
        opened.clear();
      });
  if (keys.ok()) *plaintext = std::move(opened);
  return keys;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Verify(
    const MessageView& view, absl::string_view associated_data, Direction expected) const {
  if (view.protection != ProtectedMessage::PROTECTION_SIGN) {
    return Refuse(Refusal::kMalformedRequest, "expected a signed message");
  }
  if (absl::Status s = CheckViewShape(view); !s.ok()) return s;
  if (view.direction != expected) return WrongDirection();
  const ViewToken token(view);
  return Accept(
      {token.token(), view.receiver, view.created_unix_nanos, view.sequence}, expected,
      [&](const InstanceKeys& keys) { return CheckTagView(keys, view, associated_data); },
      [] {});
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Open(
    const MessageView& view, absl::string_view associated_data, Direction expected,
    absl::Span<uint8_t> plaintext) const {
  if (view.protection != ProtectedMessage::PROTECTION_SEAL) {
    return Refuse(Refusal::kMalformedRequest, "expected a sealed message");
  }
  if (plaintext.size() != view.payload.size()) {
    return absl::InvalidArgumentError("the plaintext buffer must have the payload's size");
  }
  if (absl::Status s = CheckViewShape(view); !s.ok()) return s;
  if (view.direction != expected) return WrongDirection();
  const ViewToken token(view);
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = Accept(
      {token.token(), view.receiver, view.created_unix_nanos, view.sequence}, expected,
      [&](const InstanceKeys& k) { return OpenView(k, view, associated_data, plaintext); },
      [&] { Wipe(plaintext); });
  return keys;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Receiver::Accept(
    const Claim& claim, Direction expected,
    absl::FunctionRef<absl::Status(const InstanceKeys&)> authenticate,
    absl::FunctionRef<void()> wipe) const {
  // 2. Time. Checked before any key is looked up: stale messages cost nothing.
  const absl::Time now = clock_->Now();
  if (absl::AbsDuration(now - absl::FromUnixNanos(claim.created_unix_nanos)) >
      options_.timestamp_window) {
    return Refuse(Refusal::kStaleProof, "the message timestamp is outside the accepted window");
  }
  // 3. Keys.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = resolver_->Resolve(claim.token, now);
  if (!keys.ok()) return keys.status();
  if (absl::Status s = CheckReceiver(**keys, claim.receiver, expected); !s.ok()) return s;
  // 4. The tag; one second chance with fresher keys.
  absl::Status authentic = authenticate(**keys);
  if (authentic.code() == absl::StatusCode::kUnauthenticated) {
    absl::StatusOr<std::shared_ptr<const InstanceKeys>> fresher =
        resolver_->Refresh(claim.token, now);
    if (!fresher.ok()) return fresher.status();
    if (*fresher != nullptr && *fresher != *keys &&
        !crypto::ConstantTimeEquals((*fresher)->context_key(), (*keys)->context_key())) {
      keys = *std::move(fresher);
      authentic = authenticate(**keys);
    }
  }
  if (!authentic.ok()) return authentic;
  // 5. Replay, only once the message is known to come from a key holder.
  if (absl::Status s = replay_.Accept(claim.token.identifier(), expected, claim.sequence, now);
      !s.ok()) {
    wipe();
    return s;
  }
  resolver_->Authenticated(claim.token, now);
  return keys;
}

}  // namespace sts::protect
