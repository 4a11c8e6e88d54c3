#include "client/context/fake_sts.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/random.h"
#include "client/wire/computed_key.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"

namespace sts::context {
namespace {

using wire::Refusal;
using wire::Refuse;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(
                                                                      absl::ToUnixSeconds(t)))));
}

}  // namespace

FakeSts::FakeSts(const Clock* clock, absl::Duration lifetime, absl::Duration rollover)
    : clock_(clock), lifetime_(lifetime), rollover_(rollover) {}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> FakeSts::Answer(
    const std::string& identifier, Context& context, const sts::v1::Entropy& entropy,
    const std::string& algorithm, uint32_t key_bits, absl::Duration lifetime) {
  const absl::Time now = clock_->Now();
  const size_t key_bytes = (key_bits == 0 ? 256 : key_bits) / 8;
  sts::v1::RequestSecurityTokenResponse response;
  std::string key;
  if (!entropy.binary_secret().value().empty()) {
    absl::StatusOr<std::string> issuer = crypto::RandomBytes(32);
    if (!issuer.ok()) return issuer.status();
    const std::string uri = algorithm.empty() ? std::string(wire::kComputedKeyPSha1) : algorithm;
    absl::StatusOr<crypto::SecretBytes> computed =
        wire::ComputeKey(uri, crypto::AsBytes(entropy.binary_secret().value()),
                         crypto::AsBytes(*issuer), key_bytes);
    if (!computed.ok()) return computed.status();
    key.assign(reinterpret_cast<const char*>(computed->data()), computed->size());
    response.mutable_requested_proof_token()->set_computed_key(uri);
    response.mutable_entropy()->mutable_binary_secret()->set_value(*issuer);
    response.mutable_entropy()->mutable_binary_secret()->set_type(
        std::string(wire::kBinarySecretNonce));
  } else {
    absl::StatusOr<std::string> random = crypto::RandomBytes(key_bytes);
    if (!random.ok()) return random.status();
    key = *random;
    response.mutable_requested_proof_token()->mutable_binary_secret()->set_value(key);
    response.mutable_requested_proof_token()->mutable_binary_secret()->set_type(
        std::string(wire::kBinarySecretSymmetricKey));
  }
  if (context.current != 0) {
    Instance& old = context.instances[context.current];
    old.accept_until = std::min(old.accept_until, now + rollover_);
  }
  context.current += 1;
  context.expires = now + (lifetime > absl::ZeroDuration() ? lifetime : lifetime_);
  context.instances[context.current] = {key, context.expires};
  response.set_token_type(std::string(wire::kTokenTypeSct));
  response.mutable_requested_security_token()->set_identifier(identifier);
  response.mutable_requested_security_token()->set_instance(absl::StrCat(context.current));
  SetTime(now, response.mutable_lifetime()->mutable_created());
  SetTime(context.expires, response.mutable_lifetime()->mutable_expires());
  response.set_key_size(static_cast<uint32_t>(key_bytes * 8));
  response.set_applies_to(context.applies_to);
  response.set_principal(context.principal);
  return response;
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> FakeSts::Issue(
    const sts::v1::IssueRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ++issues_;
  char id[64];
  std::snprintf(id, sizeof(id), "urn:uuid:00000000-0000-4000-8000-%012d", next_id_++);
  Context& context = contexts_[id];
  context.applies_to = request.applies_to();
  return Answer(id, context, request.entropy(), request.computed_key_algorithm(),
                request.key_size(),
                absl::Seconds(request.lifetime().seconds()));
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> FakeSts::Renew(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
    const sts::v1::RenewRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ++renewals_;
  if (!fail_next_renew_.ok()) {
    absl::Status status = fail_next_renew_;
    fail_next_renew_ = absl::OkStatus();
    return status;
  }
  auto it = contexts_.find(token.identifier());
  if (it == contexts_.end()) return Refuse(Refusal::kUnknownContext, "unknown context");
  Context& context = it->second;
  if (context.cancelled) return Refuse(Refusal::kCancelledContext, "cancelled");
  const absl::Time now = clock_->Now();
  if (now >= context.expires) return Refuse(Refusal::kExpiredContext, "expired");
  int instance = 0;
  auto known = context.instances.end();
  if (absl::SimpleAtoi(token.instance(), &instance)) known = context.instances.find(instance);
  if (known == context.instances.end() || now > known->second.accept_until) {
    return Refuse(Refusal::kUnknownKeyInstance, "unknown instance");
  }
  if (!crypto::ConstantTimeEquals(crypto::AsBytes(known->second.key), key)) {
    return Refuse(Refusal::kBadProof, "proof does not verify");
  }
  return Answer(token.identifier(), context, request.entropy(), request.computed_key_algorithm(),
                request.key_size(), absl::Seconds(request.lifetime().seconds()));
}

absl::StatusOr<sts::v1::CancelResponse> FakeSts::Cancel(const sts::v1::SecurityContextToken& token,
                                                        absl::Span<const uint8_t> key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++cancels_;
  auto it = contexts_.find(token.identifier());
  if (it == contexts_.end()) return Refuse(Refusal::kUnknownContext, "unknown context");
  it->second.cancelled = true;
  it->second.instances.clear();
  sts::v1::CancelResponse response;
  response.set_requested_token_cancelled(true);
  return response;
}

absl::StatusOr<sts::v1::ValidateResponse> FakeSts::Validate(
    const sts::v1::SecurityContextToken& token) {
  std::lock_guard<std::mutex> lock(mu_);
  ++validations_;
  if (!fail_validate_.ok()) return fail_validate_;
  sts::v1::ValidateResponse response;
  response.set_token_type(std::string(wire::kTokenTypeStatus));
  auto it = contexts_.find(token.identifier());
  const absl::Time now = clock_->Now();
  const char* reason = it == contexts_.end()        ? "unknown"
                       : it->second.cancelled       ? "cancelled"
                       : now >= it->second.expires ? "expired"
                                                    : nullptr;
  if (reason != nullptr) {
    response.mutable_status()->set_code(std::string(wire::kStatusInvalid));
    response.mutable_status()->set_reason(reason);
    return response;
  }
  const Context& context = it->second;
  response.mutable_status()->set_code(std::string(wire::kStatusValid));
  response.mutable_status()->set_reason("valid");
  response.mutable_token()->set_identifier(token.identifier());
  response.mutable_token()->set_instance(absl::StrCat(context.current));
  SetTime(context.expires, response.mutable_lifetime()->mutable_expires());
  response.set_principal(context.principal);
  response.set_applies_to(context.applies_to);
  if (release_keys_) {
    // Current instance first, then those still inside their rollover window.
    for (auto i = context.instances.rbegin(); i != context.instances.rend(); ++i) {
      if (now > i->second.accept_until) continue;
      sts::v1::ContextKey* key = response.add_keys();
      key->set_instance(absl::StrCat(i->first));
      key->set_key(i->second.key);
      SetTime(i->second.accept_until, key->mutable_accept_until());
    }
  }
  return response;
}

void FakeSts::FailNextRenew(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_renew_ = std::move(status);
}

void FakeSts::FailValidate(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_validate_ = std::move(status);
}

void FakeSts::set_release_keys(bool release) {
  std::lock_guard<std::mutex> lock(mu_);
  release_keys_ = release;
}

int FakeSts::issues() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issues_;
}
int FakeSts::renewals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return renewals_;
}
int FakeSts::cancels() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancels_;
}
int FakeSts::validations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return validations_;
}

}  // namespace sts::context
