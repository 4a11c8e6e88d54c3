#include "sts/token/token_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/random.h"
#include "client/wire/computed_key.h"
#include "client/wire/fault.h"
#include "client/wire/limits.h"
#include "client/wire/proof.h"
#include "client/wire/time.h"
#include "client/wire/uris.h"
#include "client/wire/validation.h"

namespace sts::token {
namespace {

using wire::Refuse;
using wire::Refusal;

// Bounds on client-chosen fields, checked before any work is done.
constexpr size_t kMaxContextBytes = 256;
constexpr size_t kMaxAppliesToBytes = 1024;
constexpr size_t kMaxCookieBytes = 4096;

absl::Status CheckLength(absl::string_view field, absl::string_view value, size_t max) {
  if (value.size() <= max) return absl::OkStatus();
  return Refuse(Refusal::kMalformedRequest,
                absl::StrCat(field, " is ", value.size(), " bytes; the limit is ", max));
}

absl::Status CheckOneOf(absl::string_view field, absl::string_view value,
                        std::initializer_list<absl::string_view> accepted) {
  for (absl::string_view a : accepted) {
    if (value == a) return absl::OkStatus();
  }
  return Refuse(Refusal::kMalformedRequest,
                absl::StrCat("unsupported ", field, " \"", value.substr(0, 128), "\""));
}

void SetLifetime(absl::Time created, absl::Time expires, sts::v1::Lifetime* out) {
  wire::SetTimestamp(created, out->mutable_created());
  wire::SetTimestamp(expires, out->mutable_expires());
}

// Whether `m`, or any message inside it, carries fields this build does not
// know (a newer client's, or a forger's).
bool CarriesUnknownFields(const google::protobuf::Message& m) {
  const google::protobuf::Reflection* reflection = m.GetReflection();
  if (!reflection->GetUnknownFields(m).empty()) return true;
  // The descriptor's message fields, not Reflection::ListFields: that builds
  // and sorts a vector per message, a tenth of a Renew's own work.
  const google::protobuf::Descriptor* descriptor = m.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(m, field); ++j) {
        if (CarriesUnknownFields(reflection->GetRepeatedMessage(m, field, j))) return true;
      }
    } else if (reflection->HasField(m, field) &&
               CarriesUnknownFields(reflection->GetMessage(m, field))) {
      return true;
    }
  }
  return false;
}

// A request whose proof must cover all of it: the STS cannot vouch for what
// it does not understand (docs/PROOF_OF_POSSESSION.md section 2).
absl::Status CheckAllFieldsKnown(const google::protobuf::Message& request) {
  if (!CarriesUnknownFields(request)) return absl::OkStatus();
  return Refuse(Refusal::kMalformedRequest,
                "the request carries fields this STS does not know; its proof cannot cover them");
}

absl::StatusOr<TokenId> ParseTarget(absl::string_view field,
                                    const sts::v1::SecurityContextToken& target) {
  if (absl::Status s = CheckLength(absl::StrCat(field, ".cookie"), target.cookie(), kMaxCookieBytes);
      !s.ok()) {
    return s;
  }
  std::optional<TokenId> id = TokenId::Parse(target.identifier());
  if (!id.has_value()) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat(field, ".identifier must be urn:uuid:<uuid>"));
  }
  return *id;
}

// What a requested lifetime resolves to: unset -> default, over the maximum
// -> clamped, non-positive or under the minimum -> refused.
absl::StatusOr<absl::Duration> ResolveLifetime(const TokenOptions& options, bool has,
                                               const google::protobuf::Duration& d) {
  if (!has) return options.default_lifetime;
  const absl::Duration requested = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (requested <= absl::ZeroDuration() || requested < options.min_lifetime) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("requested lifetime must be at least ",
                               absl::FormatDuration(options.min_lifetime)));
  }
  return std::min(requested, options.max_lifetime);
}

absl::StatusOr<uint32_t> ResolveKeyBits(uint32_t requested, uint32_t fallback) {
  const uint32_t bits = requested == 0 ? fallback : requested;
  if (!wire::IsValidKeyBits(bits)) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("key size ", bits, " bits is outside ", wire::kMinKeyBits, "..",
                               wire::kMaxKeyBits, " (multiples of 8)"));
  }
  return bits;
}

// The new key of a context and how the requestor learns it.
struct NewKey {
  NewKey() = default;
  NewKey(NewKey&&) = default;
  NewKey& operator=(NewKey&&) = default;
  // The issuer's entropy is half of a computed key: wiped like one.
  ~NewKey() {
    if (!issuer_entropy.empty()) crypto::SecureZero(issuer_entropy.data(), issuer_entropy.size());
  }

  crypto::SecretBytes key;
  std::string computed_key_algorithm;  // empty: the key is returned as is
  std::string issuer_entropy;
};

absl::StatusOr<NewKey> MakeKey(bool has_entropy, const sts::v1::Entropy& entropy,
                               absl::string_view algorithm, uint32_t key_bits) {
  const size_t key_bytes = key_bits / 8;
  NewKey out;
  if (!has_entropy) {
    if (!algorithm.empty()) {
      return Refuse(Refusal::kMalformedRequest,
                    "computed_key_algorithm requires requestor entropy");
    }
    absl::StatusOr<crypto::SecretBytes> key = crypto::RandomSecret(key_bytes);
    if (!key.ok()) return Refuse(Refusal::kInternal, "random source failed");
    out.key = *std::move(key);
    return out;
  }
  const sts::v1::BinarySecret& secret = entropy.binary_secret();
  if (absl::Status s = CheckOneOf("entropy type", secret.type(),
                                  {"", wire::kBinarySecretNonce});
      !s.ok()) {
    return s;
  }
  if (secret.value().size() < key_bytes) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("requestor entropy is ", secret.value().size(),
                               " bytes; at least the key size (", key_bytes, " bytes) is required"));
  }
  if (absl::Status s = CheckLength("requestor entropy", secret.value(),
                                   wire::kMaxRequestorEntropyBytes);
      !s.ok()) {
    return s;
  }
  out.computed_key_algorithm =
      std::string(algorithm.empty() ? wire::kComputedKeyPSha1 : algorithm);
  if (!wire::IsSupportedComputedKeyAlgorithm(out.computed_key_algorithm)) {
    return Refuse(Refusal::kMalformedRequest,
                  absl::StrCat("unsupported computed_key_algorithm \"",
                               algorithm.substr(0, 128), "\""));
  }
  absl::StatusOr<std::string> issuer =
      crypto::RandomBytes(wire::EntropyBytesFor(key_bits));
  if (!issuer.ok()) return Refuse(Refusal::kInternal, "random source failed");
  out.issuer_entropy = *std::move(issuer);
  absl::StatusOr<crypto::SecretBytes> key = wire::ComputeKey(
      out.computed_key_algorithm, crypto::AsBytes(secret.value()), crypto::AsBytes(out.issuer_entropy), key_bytes);
  if (!key.ok()) return key.status();
  out.key = *std::move(key);
  return out;
}

// The RSTR for Issue and Renew, around the token the store filled in
// (identifier, instance, cookie).
void FillTokenResponse(absl::string_view context, absl::Time created, absl::Time expires,
                       uint32_t key_bits, absl::string_view applies_to,
                       absl::string_view principal, const NewKey& key,
                       sts::v1::RequestSecurityTokenResponse* r) {
  r->set_context(std::string(context));
  r->set_token_type(std::string(wire::kTokenTypeSct));
  sts::v1::SecurityContextToken* sct = r->mutable_requested_security_token();
  const std::string& urn = sct->identifier();
  // An NCName (no colons) for @wsu:Id: "uuid-" and the UUID's text.
  sct->set_wsu_id(absl::StrCat("uuid-", absl::string_view(urn).substr(9)));
  r->mutable_requested_attached_reference()->set_uri(absl::StrCat("#", sct->wsu_id()));
  r->mutable_requested_attached_reference()->set_value_type(std::string(wire::kTokenTypeSct));
  r->mutable_requested_unattached_reference()->set_uri(urn);
  r->mutable_requested_unattached_reference()->set_value_type(
      std::string(wire::kTokenTypeSct));
  if (key.computed_key_algorithm.empty()) {
    sts::v1::BinarySecret* secret =
        r->mutable_requested_proof_token()->mutable_binary_secret();
    secret->set_value(reinterpret_cast<const char*>(key.key.data()), key.key.size());
    secret->set_type(std::string(wire::kBinarySecretSymmetricKey));
  } else {
    r->mutable_requested_proof_token()->set_computed_key(key.computed_key_algorithm);
    r->mutable_entropy()->mutable_binary_secret()->set_value(key.issuer_entropy);
    r->mutable_entropy()->mutable_binary_secret()->set_type(
        std::string(wire::kBinarySecretNonce));
  }
  SetLifetime(created, expires, r->mutable_lifetime());
  r->set_key_size(key_bits);
  r->set_applies_to(std::string(applies_to));
  r->set_principal(std::string(principal));
}

// The parts of a new (or renewed) instance's life, from its lifetime: its
// key outlives its expiry only as long as renewal after expiry is allowed,
// and the record is kept for the retention period after that.
TokenTimeline TimelineFrom(const TokenOptions& options, absl::Time now,
                           absl::Duration lifetime) {
  TokenTimeline timeline;
  timeline.created = now;
  timeline.expires = now + lifetime;
  timeline.key_until =
      timeline.expires +
      (options.allow_expired_renewal ? options.expired_renewal_max_age : absl::ZeroDuration());
  timeline.forget_after = std::max(timeline.key_until, timeline.expires + options.retention);
  return timeline;
}

wire::ValidationReason ReasonOf(TokenState state) {
  switch (state) {
    case TokenState::kLive:
      return wire::ValidationReason::kValid;
    case TokenState::kExpired:
      return wire::ValidationReason::kExpired;
    case TokenState::kCancelled:
      return wire::ValidationReason::kCancelled;
    case TokenState::kSuperseded:
      return wire::ValidationReason::kSuperseded;
  }
  return wire::ValidationReason::kUnknown;
}

}  // namespace

TokenService::TokenService(const TokenOptions& options, const policy::PolicyHolder* policy,
                           ContextStore* store, const pop::ProofVerifier* proofs,
                           const Clock* clock)
    : options_(options), policy_(policy), store_(store), proofs_(proofs), clock_(clock) {}

absl::StatusOr<TokenView> TokenService::FindOwned(absl::string_view principal,
                                                  absl::string_view operation,
                                                  const TokenId& id,
                                                  const sts::v1::SecurityContextToken& target,
                                                  absl::Time now) const {
  absl::StatusOr<std::optional<TokenView>> found = store_->Find(id, target, now);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Refuse(Refusal::kUnknownContext, "no such security context");
  if ((*found)->principal != principal) {
    return Refuse(Refusal::kNotPermitted,
                  absl::StrCat("only the principal the context was issued to may ", operation,
                               " it"));
  }
  // Renew and Cancel must read and write the shared state: without it they
  // fail closed (a status-only view also carries no key to check a proof).
  if ((*found)->revocation_state_unknown) {
    return Refuse(Refusal::kUnavailable, "the STS cannot reach its shared state; retry later");
  }
  return **std::move(found);
}

absl::Status TokenService::Issue(absl::string_view principal,
                                 const sts::v1::IssueRequest& request,
                                 sts::v1::RequestSecurityTokenResponse* response) const {
  if (absl::Status s = CheckLength("context", request.context(), kMaxContextBytes); !s.ok()) return s;
  if (absl::Status s = CheckLength("applies_to", request.applies_to(), kMaxAppliesToBytes); !s.ok()) return s;
  if (absl::Status s = CheckOneOf("token_type", request.token_type(),
                                  {"", wire::kTokenTypeSct, wire::kTokenTypeSct2005});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOneOf("request_type", request.request_type(),
                                  {"", wire::kRequestTypeIssue});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOneOf("key_type", request.key_type(), {"", wire::kKeyTypeSymmetric});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<uint32_t> key_bits = ResolveKeyBits(request.key_size(), options_.default_key_bits);
  if (!key_bits.ok()) return key_bits.status();
  absl::StatusOr<absl::Duration> lifetime =
      ResolveLifetime(options_, request.has_lifetime(), request.lifetime());
  if (!lifetime.ok()) return lifetime.status();
  if (!policy_->Get()->MayIssue(principal, request.applies_to())) {
    return Refuse(Refusal::kNotPermitted,
                  absl::StrCat("policy does not let this principal obtain a context for applies_to \"",
                               request.applies_to(), "\""));
  }
  absl::StatusOr<NewKey> key = MakeKey(request.has_entropy(), request.entropy(),
                                       request.computed_key_algorithm(), *key_bits);
  if (!key.ok()) return key.status();
  absl::StatusOr<TokenId> id = TokenId::Generate();
  if (!id.ok()) return Refuse(Refusal::kInternal, "random source failed");

  const TokenTimeline timeline =
      TimelineFrom(options_, clock_->Now(), std::min(*lifetime, options_.max_context_age));
  constexpr uint32_t kFirstInstance = 1;
  if (absl::Status s = store_->Create(*id, principal, request.applies_to(), kFirstInstance,
                                      key->key.span(), timeline,
                                      response->mutable_requested_security_token());
      !s.ok()) {
    return s;
  }
  FillTokenResponse(request.context(), timeline.created, timeline.expires, *key_bits,
                    request.applies_to(), principal, *key, response);
  return absl::OkStatus();
}

absl::Status TokenService::CheckRenewable(absl::string_view principal, TokenView* view,
                                          absl::Time now) const {
  if (view->state != TokenState::kLive && view->state != TokenState::kExpired) {
    return RefuseNotLive(view->state);
  }
  // The rights the context was issued under must still hold.
  if (!policy_->Get()->MayIssue(principal, view->applies_to)) {
    return Refuse(Refusal::kNotPermitted,
                  absl::StrCat("policy no longer lets this principal hold a context for "
                               "applies_to \"", view->applies_to, "\"; issue is refused too"));
  }
  if (now >= view->origin + options_.max_context_age) {
    return Refuse(Refusal::kExpiredContext,
                  absl::StrCat("the context reached its maximum age of ",
                               absl::FormatDuration(options_.max_context_age),
                               "; issue a new one"));
  }
  if (view->state == TokenState::kLive) return absl::OkStatus();
  if (!options_.allow_expired_renewal ||
      now >= view->expires + options_.expired_renewal_max_age || view->keys.empty() ||
      view->keys.front().instance != view->instance) {
    return RefuseNotLive(TokenState::kExpired);
  }
  // Renewal after expiry is allowed: the expired key may still prove
  // possession, for this call only.
  view->keys.front().accept_until = view->expires + options_.expired_renewal_max_age;
  return absl::OkStatus();
}

absl::Status TokenService::Renew(absl::string_view principal,
                                 const sts::v1::RenewRequest& request,
                                 sts::v1::RequestSecurityTokenResponse* response) const {
  if (absl::Status s = CheckAllFieldsKnown(request); !s.ok()) return s;
  if (absl::Status s = CheckLength("context", request.context(), kMaxContextBytes); !s.ok()) return s;
  if (absl::Status s = CheckOneOf("request_type", request.request_type(),
                                  {"", wire::kRequestTypeRenew});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<TokenId> id = ParseTarget("renew_target", request.renew_target());
  if (!id.ok()) return id.status();
  absl::StatusOr<absl::Duration> lifetime =
      ResolveLifetime(options_, request.has_lifetime(), request.lifetime());
  if (!lifetime.ok()) return lifetime.status();

  const absl::Time now = clock_->Now();
  absl::StatusOr<TokenView> view = FindOwned(principal, "renew", *id, request.renew_target(), now);
  if (!view.ok()) return view.status();
  if (absl::Status s = CheckRenewable(principal, &*view, now); !s.ok()) return s;
  absl::StatusOr<uint32_t> key_bits = ResolveKeyBits(request.key_size(), view->key_bits);
  if (!key_bits.ok()) return key_bits.status();
  if (absl::Status s = proofs_->Verify(principal,
                                       // The MAC covers the identifier exactly as sent.
                                       {wire::kRenewMethod, request.renew_target().identifier(), ""},
                                       request.proof(),
                                       request.has_proof(), wire::RequestDigest(request),
                                       view->keys, now);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<NewKey> key = MakeKey(request.has_entropy(), request.entropy(),
                                       request.computed_key_algorithm(), *key_bits);
  if (!key.ok()) return key.status();

  // Never beyond the context's maximum age.
  const TokenTimeline timeline =
      TimelineFrom(options_, now, std::min(*lifetime, view->origin + options_.max_context_age - now));
  if (absl::Status s = store_->Rotate(*id, request.renew_target(), now, key->key.span(), timeline,
                                      now + options_.rollover_window,
                                      options_.allow_expired_renewal,
                                      response->mutable_requested_security_token());
      !s.ok()) {
    return s;
  }
  FillTokenResponse(request.context(), timeline.created, timeline.expires, *key_bits,
                    view->applies_to, view->principal, *key, response);
  return absl::OkStatus();
}

absl::Status TokenService::Cancel(absl::string_view principal,
                                  const sts::v1::CancelRequest& request,
                                  sts::v1::CancelResponse* response) const {
  if (absl::Status s = CheckAllFieldsKnown(request); !s.ok()) return s;
  if (absl::Status s = CheckLength("context", request.context(), kMaxContextBytes); !s.ok()) return s;
  if (absl::Status s = CheckOneOf("request_type", request.request_type(),
                                  {"", wire::kRequestTypeCancel});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<TokenId> id = ParseTarget("cancel_target", request.cancel_target());
  if (!id.ok()) return id.status();

  const absl::Time now = clock_->Now();
  absl::StatusOr<TokenView> view =
      FindOwned(principal, "cancel", *id, request.cancel_target(), now);
  if (!view.ok()) return view.status();
  response->set_context(request.context());
  if (view->state == TokenState::kCancelled) {
    // Idempotent for the holder: the keys are gone, so the proof cannot be
    // checked any more, and nothing is left for it to protect.
    response->set_requested_token_cancelled(true);
    return absl::OkStatus();
  }
  if (view->state != TokenState::kLive) return RefuseNotLive(view->state);
  if (absl::Status s = proofs_->Verify(principal,
                                       {wire::kCancelMethod, request.cancel_target().identifier(), ""},
                                       request.proof(),
                                       request.has_proof(), wire::RequestDigest(request),
                                       view->keys, now);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = store_->Cancel(*id, request.cancel_target(), now, now + options_.retention);
      !s.ok()) {
    return s;
  }
  response->set_requested_token_cancelled(true);
  return absl::OkStatus();
}

absl::Status TokenService::Validate(absl::string_view principal,
                                    const sts::v1::ValidateRequest& request,
                                    sts::v1::ValidateResponse* response) const {
  if (absl::Status s = CheckLength("context", request.context(), kMaxContextBytes); !s.ok()) return s;
  if (absl::Status s = CheckOneOf("request_type", request.request_type(),
                                  {"", wire::kRequestTypeValidate});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckOneOf("token_type", request.token_type(), {"", wire::kTokenTypeStatus});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<TokenId> id = ParseTarget("validate_target", request.validate_target());
  if (!id.ok()) return id.status();

  const policy::Policy::ValidateAccess access = policy_->Get()->ValidateAccessFor(principal);
  const absl::Time now = clock_->Now();
  absl::StatusOr<std::optional<TokenView>> found =
      store_->Find(*id, request.validate_target(), now);
  const bool owner = found.ok() && found->has_value() && (*found)->principal == principal;
  // Refused whether or not the context exists (or its cookie opens), so a
  // stranger learns nothing.
  if (access == policy::Policy::ValidateAccess::kDenied && !owner) {
    return Refuse(Refusal::kNotPermitted, "policy does not let this principal validate contexts");
  }
  if (!found.ok()) return found.status();
  const std::optional<TokenView>& view = *found;
  const bool audience = view.has_value() && !view->applies_to.empty() &&
                        view->applies_to == principal &&
                        access == policy::Policy::ValidateAccess::kKeysAsAudience;

  response->set_context(request.context());
  response->set_token_type(std::string(wire::kTokenTypeStatus));
  sts::v1::ValidationStatus* status = response->mutable_status();
  const wire::ValidationReason reason =
      view.has_value() ? ReasonOf(view->state) : wire::ValidationReason::kUnknown;
  status->set_reason(std::string(wire::ReasonText(reason)));
  response->set_revocation_state_unknown(view.has_value() && view->revocation_state_unknown);
  if (reason != wire::ValidationReason::kValid) {
    status->set_code(std::string(wire::kStatusInvalid));
    return absl::OkStatus();
  }
  status->set_code(std::string(wire::kStatusValid));
  response->mutable_token()->set_identifier(id->ToUrn());
  response->mutable_token()->set_instance(absl::StrCat(view->instance));
  SetLifetime(view->created, view->expires, response->mutable_lifetime());
  response->set_principal(view->principal);
  response->set_applies_to(view->applies_to);
  response->set_key_size(view->key_bits);
  if (!owner && !audience) return absl::OkStatus();
  response->set_keys_released_to(audience ? sts::v1::ValidateResponse::KEYS_RELEASED_TO_AUDIENCE
                                          : sts::v1::ValidateResponse::KEYS_RELEASED_TO_OWNER);
  for (const KeyCopy& key : view->keys) {
    sts::v1::ContextKey* out = response->add_keys();
    out->set_instance(absl::StrCat(key.instance));
    out->set_key(reinterpret_cast<const char*>(key.key.data()), key.key.size());
    wire::SetTimestamp(key.accept_until, out->mutable_accept_until());
  }
  return absl::OkStatus();
}

absl::Status TokenService::Amend(absl::string_view principal,
                                 const sts::v1::AmendRequest& request,
                                 sts::v1::RequestSecurityTokenResponse* response) const {
  return Refuse(Refusal::kUnsupported,
                "Amend is not offered: this STS advertises sp:MustNotSendAmend; "
                "issue a new context instead");
}

}  // namespace sts::token
