#include "client/verifier/verifier.h"

#include <utility>

#include "client/verifier/key_cache.h"

namespace sts::verifier {
namespace {

using protect::ContextInfo;
using protect::Direction;
using protect::InstanceKeys;
using sts::v1::ProtectedMessage;

}  // namespace

Verifier::Verifier(std::shared_ptr<context::StsApi> sts, VerifierOptions options)
    : options_(std::move(options)) {
  cache_ = std::make_unique<KeyCache>(std::move(sts), options_);
  receiver_ = std::make_unique<protect::Receiver>(
      cache_.get(), options_.clock == nullptr ? Clock::Real() : options_.clock,
      options_.receiver);
}

Verifier::~Verifier() = default;

absl::StatusOr<std::shared_ptr<const ContextInfo>> Verifier::Verify(
    const ProtectedMessage& message, absl::string_view associated_data) {
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      receiver_->Verify(message, associated_data, Direction::kClientToServer);
  if (!keys.ok()) return keys.status();
  return (*keys)->shared_info();
}

absl::StatusOr<std::shared_ptr<const ContextInfo>> Verifier::Verify(
    const protect::MessageView& view, absl::string_view associated_data) {
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      receiver_->Verify(view, associated_data, Direction::kClientToServer);
  if (!keys.ok()) return keys.status();
  return (*keys)->shared_info();
}

absl::StatusOr<std::shared_ptr<const ContextInfo>> Verifier::Open(
    const ProtectedMessage& message, absl::string_view associated_data, std::string* plaintext) {
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      receiver_->Open(message, associated_data, Direction::kClientToServer, plaintext);
  if (!keys.ok()) return keys.status();
  return (*keys)->shared_info();
}

absl::StatusOr<ProtectedMessage> Verifier::Answer(const sts::v1::SecurityContextToken& token,
                                                  absl::string_view payload,
                                                  absl::string_view associated_data, bool seal) {
  const Clock* clock = options_.clock == nullptr ? Clock::Real() : options_.clock;
  const absl::Time now = clock->Now();
  uint64_t sequence = 0;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      cache_->ForAnswer(token, now, &sequence);
  if (!keys.ok()) return keys.status();
  ProtectedMessage message;
  protect::FillHeader(**keys, options_.derivation,
                      seal ? ProtectedMessage::PROTECTION_SEAL : ProtectedMessage::PROTECTION_SIGN,
                      Direction::kServerToClient, sequence, now, &message);
  message.set_payload(std::string(payload));
  absl::Status s = seal ? protect::SealInPlace(**keys, &message, associated_data)
                        : protect::SignInPlace(**keys, &message, associated_data);
  if (!s.ok()) return s;
  return message;
}

absl::StatusOr<ProtectedMessage> Verifier::Sign(const sts::v1::SecurityContextToken& token,
                                                absl::string_view payload,
                                                absl::string_view associated_data) {
  return Answer(token, payload, associated_data, false);
}

absl::StatusOr<ProtectedMessage> Verifier::Seal(const sts::v1::SecurityContextToken& token,
                                                absl::string_view plaintext,
                                                absl::string_view associated_data) {
  return Answer(token, plaintext, associated_data, true);
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> Verifier::ResolveKeys(
    const sts::v1::SecurityContextToken& token) {
  const Clock* clock = options_.clock == nullptr ? Clock::Real() : options_.clock;
  if (token.instance().empty()) return cache_->ResolveCurrent(token, clock->Now());
  return cache_->Resolve(token, clock->Now());
}

void Verifier::Authenticated(const sts::v1::SecurityContextToken& token) {
  const Clock* clock = options_.clock == nullptr ? Clock::Real() : options_.clock;
  cache_->Authenticated(token, clock->Now());
}

void Verifier::Forget(absl::string_view identifier) { cache_->Forget(identifier); }

VerifierStats Verifier::stats() const { return cache_->stats(); }

}  // namespace sts::verifier
