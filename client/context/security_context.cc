#include "client/context/security_context.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "absl/cleanup/cleanup.h"
#include "client/crypto/constant_time.h"
#include "client/wire/fault.h"
#include "client/wire/scrub.h"
#include "client/wire/limits.h"
#include "client/wire/time.h"
#include "client/wire/uris.h"

namespace sts::context {
namespace {

using protect::Direction;
using protect::InstanceKeys;
using sts::v1::ProtectedMessage;
using wire::Refusal;
using wire::Refuse;
using wire::TimeOf;

void WipeString(std::string* s) {
  if (!s->empty()) crypto::SecureZero(s->data(), s->size());
}

// Our entropy for a computed key (client/wire/limits.h).
absl::StatusOr<std::string> NewEntropy(uint32_t key_bits) {
  return crypto::RandomBytes(wire::EntropyBytesFor(key_bits));
}

template <class Request>
absl::StatusOr<std::string> AddEntropy(const SecurityContextOptions& options, uint32_t key_bits,
                                       Request* request) {
  if (!options.use_entropy) return std::string();
  absl::StatusOr<std::string> entropy = NewEntropy(key_bits == 0 ? wire::kDefaultKeyBits : key_bits);
  if (!entropy.ok()) return entropy.status();
  sts::v1::BinarySecret* secret = request->mutable_entropy()->mutable_binary_secret();
  secret->set_value(*entropy);
  secret->set_type(std::string(wire::kBinarySecretNonce));
  request->set_computed_key_algorithm(options.computed_key_algorithm);
  return entropy;
}

}  // namespace

// Resolves the keys of server-to-client messages: only this context, its
// current instance until it expires, superseded ones until their rollover
// window ends.
class SecurityContext::OwnKeys final : public protect::KeyResolver {
 public:
  explicit OwnKeys(const SecurityContext* context) : context_(context) {}

  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    const SecurityContext& c = *context_;
    if (token.identifier() != c.identifier_) {
      return Refuse(Refusal::kUnknownContext, "the message names another context");
    }
    std::shared_lock<std::shared_mutex> lock(c.mu_);
    if (!c.dead_.ok()) return c.dead_;
    if (c.current_ != nullptr && token.instance() == c.current_->instance()) {
      if (now > c.expires_) return Refuse(Refusal::kRenewNeeded, "the context has expired");
      return c.current_;
    }
    for (const Previous& p : c.previous_) {
      if (p.keys->instance() != token.instance()) continue;
      if (now >= p.accept_until) break;  // "until": exclusive, as the STS
      return p.keys;
    }
    return Refuse(Refusal::kUnknownKeyInstance,
                  absl::StrCat("instance ", token.instance(), " of ", c.identifier_,
                               " is not (or no longer) a key of this context"));
  }

 private:
  const SecurityContext* const context_;
};

SecurityContext::SecurityContext(std::shared_ptr<StsApi> sts, SecurityContextOptions options,
                                 std::string identifier, std::string principal,
                                 std::string applies_to)
    : sts_(std::move(sts)),
      options_(std::move(options)),
      identifier_(std::move(identifier)),
      principal_(std::move(principal)),
      applies_to_(std::move(applies_to)),
      // Sequence numbers start at the creation time in microseconds, so a
      // process that picks up a stored context after a restart (stsctl) starts
      // above every number it sent before, and a receiver's window accepts it.
      next_sequence_(static_cast<uint64_t>(
          std::max<int64_t>(1, absl::ToUnixMicros(options_.clock->Now())))) {
  own_keys_ = std::make_unique<OwnKeys>(this);
  receiver_ = std::make_unique<protect::Receiver>(own_keys_.get(), options_.clock,
                                                  options_.receiver);
}

absl::StatusOr<std::unique_ptr<SecurityContext>> SecurityContext::Create(
    std::shared_ptr<StsApi> sts, const sts::v1::RequestSecurityTokenResponse& response,
    absl::Span<const uint8_t> requestor_entropy, SecurityContextOptions options) {
  const sts::v1::SecurityContextToken& token = response.requested_security_token();
  if (token.identifier().empty() || token.instance().empty()) {
    return absl::InvalidArgumentError("the response carries no security context token");
  }
  if (!response.lifetime().has_expires()) {
    return absl::InvalidArgumentError("the response carries no lifetime");
  }
  if (!(options.renew_at > 0 && options.renew_at <= 1)) {
    return absl::InvalidArgumentError("renew_at must be in (0, 1]");
  }
  if (options.clock == nullptr) options.clock = Clock::Real();
  const bool background = options.renewal == RenewalMode::kBackground && sts != nullptr;
  auto context = std::unique_ptr<SecurityContext>(
      new SecurityContext(std::move(sts), std::move(options), token.identifier(),
                          response.principal(), response.applies_to()));
  if (absl::Status s =
          context->Install(response, requestor_entropy, context->options_.clock->Now());
      !s.ok()) {
    return s;
  }
  if (background) context->thread_ = std::thread([c = context.get()] { c->RenewalLoop(); });
  return context;
}

absl::StatusOr<std::unique_ptr<SecurityContext>> SecurityContext::Issue(
    std::shared_ptr<StsApi> sts, sts::v1::IssueRequest request, SecurityContextOptions options) {
  if (sts == nullptr) return absl::InvalidArgumentError("Issue needs an StsApi");
  absl::StatusOr<std::string> entropy = AddEntropy(options, request.key_size(), &request);
  if (!entropy.ok()) return entropy.status();
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response;
  // Our entropy and what came back are wiped once the key is installed.
  absl::Cleanup wipe = [&] {
    WipeString(&*entropy);
    wire::ScrubRequest(&request);
    if (response.ok()) wire::ScrubResponse(&*response);
  };
  response = sts->Issue(request);
  if (!response.ok()) return response.status();
  return Create(std::move(sts), *response, crypto::AsBytes(*entropy), std::move(options));
}

SecurityContext::~SecurityContext() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool live;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    live = dead_.ok();
  }
  if (options_.cancel_on_shutdown && sts_ != nullptr && live) Cancel().IgnoreError();
}

absl::Status SecurityContext::Install(const sts::v1::RequestSecurityTokenResponse& response,
                                      absl::Span<const uint8_t> requestor_entropy,
                                      absl::Time now) {
  const sts::v1::SecurityContextToken& token = response.requested_security_token();
  if (token.identifier() != identifier_) {
    return absl::InvalidArgumentError("the response is for another context");
  }
  absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(response, requestor_entropy);
  if (!key.ok()) return key.status();
  auto info = std::make_shared<protect::ContextInfo>();
  info->identifier = identifier_;
  info->cookie = token.cookie();  // a stateless context's cookie changes with its key
  info->principal = principal_;
  info->applies_to = applies_to_;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      InstanceKeys::Create(std::move(info), token.instance(), *std::move(key));
  if (!keys.ok()) return keys.status();

  // Times are kept on this process's clock: the lifetime the STS granted,
  // counted from now. A client whose clock is off from the STS's then still
  // renews at the right share of the lifetime, instead of never or in a loop.
  const absl::Duration lifetime =
      TimeOf(response.lifetime().expires()) -
      (response.lifetime().has_created() ? TimeOf(response.lifetime().created()) : now);
  if (lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the response grants no lifetime");
  }
  const absl::Time expires = now + lifetime;
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (current_ != nullptr) {
    // The superseded key still verifies answers until the STS's rollover
    // window ends (or it would have expired anyway).
    previous_.push_front({current_, std::min(expires_, now + options_.rollover_window)});
    while (previous_.size() > options_.max_previous_instances) previous_.pop_back();
  }
  previous_.erase(std::remove_if(previous_.begin(), previous_.end(),
                                 [now](const Previous& p) { return p.accept_until <= now; }),
                  previous_.end());
  current_ = *std::move(keys);
  expires_ = expires;
  renew_due_ = now + lifetime * options_.renew_at;
  return absl::OkStatus();
}

sts::v1::SecurityContextToken SecurityContext::token() const {
  sts::v1::SecurityContextToken token;
  token.set_identifier(identifier_);
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (current_ != nullptr) {
    token.set_instance(current_->instance());
    token.set_cookie(current_->info().cookie);
  }
  return token;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> SecurityContext::ResolveKeys(
    const sts::v1::SecurityContextToken& token) const {
  sts::v1::SecurityContextToken named = token;
  if (named.instance().empty()) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok()) return dead_;
    if (current_ != nullptr) named.set_instance(current_->instance());
  }
  return own_keys_->Resolve(named, options_.clock->Now());
}

absl::Time SecurityContext::expires() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return expires_;
}

std::shared_ptr<const InstanceKeys> SecurityContext::current_keys() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return current_;
}

uint64_t SecurityContext::renewals() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return renewals_;
}

absl::Status SecurityContext::last_renewal_error() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return last_error_;
}

bool SecurityContext::AwaitRenewals(uint64_t count, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(thread_mu_);
  return renewed_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                              [&] { return renewals() >= count; });
}

void SecurityContext::Poke() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    poked_ = true;
  }
  thread_cv_.notify_all();
}

void SecurityContext::RenewalLoop() {
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stopping_) {
    absl::Time due;
    {
      std::shared_lock<std::shared_mutex> state(mu_);
      due = renew_due_;
    }
    // The clock may be a fake one that jumps: sleep at most a minute of real
    // time between looks, and wake at once when a use finds the point passed.
    const absl::Duration wait =
        std::clamp(due - options_.clock->Now(), absl::ZeroDuration(), absl::Minutes(1));
    thread_cv_.wait_for(lock, absl::ToChronoNanoseconds(wait),
                        [&] { return stopping_ || poked_; });
    poked_ = false;
    if (stopping_) break;
    lock.unlock();
    RenewIfDue().IgnoreError();  // recorded in last_error_
    bool dead;
    {
      std::shared_lock<std::shared_mutex> state(mu_);
      dead = !dead_.ok();
    }
    lock.lock();
    if (dead) break;  // cancelled: nothing left to renew
  }
}

absl::Status SecurityContext::RenewIfDue() {
  std::lock_guard<std::mutex> renewing(renew_mu_);
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok() || options_.clock->Now() < renew_due_) return dead_;
  }
  return RenewLocked();
}

absl::Status SecurityContext::RenewNow() {
  std::lock_guard<std::mutex> renewing(renew_mu_);
  return RenewLocked();
}

absl::Status SecurityContext::RenewLocked() {
  if (sts_ == nullptr) {
    return Refuse(Refusal::kRenewNeeded, "this context has no STS to renew with");
  }
  sts::v1::SecurityContextToken token;
  std::shared_ptr<const InstanceKeys> keys;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok()) return dead_;
    keys = current_;
  }
  token.set_identifier(identifier_);
  token.set_instance(keys->instance());
  token.set_cookie(keys->info().cookie);
  sts::v1::RenewRequest request;
  if (options_.renew_lifetime > absl::ZeroDuration()) {
    request.mutable_lifetime()->set_seconds(absl::ToInt64Seconds(options_.renew_lifetime));
  }
  request.set_key_size(options_.renew_key_size);
  absl::StatusOr<std::string> entropy =
      AddEntropy(options_, options_.renew_key_size != 0 ? options_.renew_key_size
                                                        : static_cast<uint32_t>(
                                                              keys->context_key().size() * 8),
                 &request);
  absl::Status status = entropy.status();
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response;
  absl::Cleanup wipe = [&] {
    if (entropy.ok()) WipeString(&*entropy);
    wire::ScrubRequest(&request);
    if (response.ok()) wire::ScrubResponse(&*response);
  };
  if (status.ok()) {
    response = sts_->Renew(token, keys->context_key(), request);
    status = response.status();
  }
  const absl::Time now = options_.clock->Now();
  if (status.ok()) status = Install(*response, crypto::AsBytes(*entropy), now);
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (status.ok()) {
      ++renewals_;
      last_error_ = absl::OkStatus();
    } else {
      last_error_ = status;
      // Not before the retry interval; never in the past, or the renewal
      // thread would spin.
      renew_due_ = now + std::max(options_.retry_interval, absl::Seconds(1));
      if (wire::IsRefusal(status, Refusal::kCancelledContext) ||
          wire::IsRefusal(status, Refusal::kUnknownContext)) {
        // The STS no longer knows the context: nothing will bring it back.
        dead_ = Refuse(Refusal::kCancelledContext,
                       "the STS no longer knows this context (cancelled)");
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
  }
  renewed_cv_.notify_all();
  return status;
}

absl::Status SecurityContext::Cancel() {
  std::lock_guard<std::mutex> renewing(renew_mu_);
  std::shared_ptr<const InstanceKeys> keys;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok()) return absl::OkStatus();  // cancelling twice is harmless
    keys = current_;
  }
  if (sts_ == nullptr) return Refuse(Refusal::kUnsupported, "this context has no STS");
  sts::v1::SecurityContextToken token;
  token.set_identifier(identifier_);
  token.set_instance(keys->instance());
  token.set_cookie(keys->info().cookie);
  absl::StatusOr<sts::v1::CancelResponse> response = sts_->Cancel(token, keys->context_key());
  if (!response.ok()) return response.status();
  std::unique_lock<std::shared_mutex> lock(mu_);
  dead_ = Refuse(Refusal::kCancelledContext, "the context was cancelled");
  // The keys are wiped once the last message in flight lets go of them.
  current_.reset();
  previous_.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> SecurityContext::KeysForSending() {
  const absl::Time now = options_.clock->Now();
  std::shared_ptr<const InstanceKeys> keys;
  absl::Time expires;
  absl::Time due;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok()) return dead_;
    keys = current_;
    expires = expires_;
    due = renew_due_;
  }
  if (now >= expires) {
    // A message under an expired key would be refused: renew first (once;
    // concurrent callers wait for the same renewal and then find it done).
    if (options_.renewal != RenewalMode::kManual && sts_ != nullptr) {
      std::lock_guard<std::mutex> renewing(renew_mu_);
      bool still_expired;
      {
        std::shared_lock<std::shared_mutex> lock(mu_);
        still_expired = options_.clock->Now() >= expires_ && dead_.ok();
      }
      if (still_expired) RenewLocked().IgnoreError();
    }
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!dead_.ok()) return dead_;
    if (now >= expires_) {
      return Refuse(Refusal::kRenewNeeded,
                    last_error_.ok()
                        ? std::string("the context has expired; renew it")
                        : absl::StrCat("the context has expired and renewing failed: ",
                                       last_error_.message()));
    }
    return current_;
  }
  if (now >= due && sts_ != nullptr) {
    if (options_.renewal == RenewalMode::kBackground) {
      Poke();
    } else if (options_.renewal == RenewalMode::kOnUse) {
      // One caller renews; the others carry on with the current key.
      std::unique_lock<std::mutex> renewing(renew_mu_, std::try_to_lock);
      if (renewing.owns_lock()) {
        bool still_due;
        {
          std::shared_lock<std::shared_mutex> lock(mu_);
          still_due = options_.clock->Now() >= renew_due_;
        }
        if (still_due && RenewLocked().ok()) {
          std::shared_lock<std::shared_mutex> lock(mu_);
          keys = current_;
        }
      }
    }
  }
  return keys;
}

absl::Status SecurityContext::Protect(ProtectedMessage* message, absl::string_view associated_data,
                                      bool seal) {
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = KeysForSending();
  if (!keys.ok()) return keys.status();
  protect::FillHeader(**keys, options_.derivation,
                      seal ? ProtectedMessage::PROTECTION_SEAL : ProtectedMessage::PROTECTION_SIGN,
                      Direction::kClientToServer,
                      next_sequence_.fetch_add(1, std::memory_order_relaxed),
                      options_.clock->Now(), message, options_.addressed_to);
  return seal ? protect::SealInPlace(**keys, message, associated_data)
              : protect::SignInPlace(**keys, message, associated_data);
}

absl::Status SecurityContext::SignInPlace(ProtectedMessage* message,
                                          absl::string_view associated_data) {
  return Protect(message, associated_data, false);
}

absl::Status SecurityContext::SealInPlace(ProtectedMessage* message,
                                          absl::string_view associated_data) {
  return Protect(message, associated_data, true);
}

absl::Status SecurityContext::SignView(absl::string_view payload,
                                       absl::string_view associated_data, SignedView* out) {
  if (options_.derivation.algorithm != protect::DerivationOptions::Algorithm::kHkdfSha256) {
    return Refuse(Refusal::kMalformedRequest,
                  "this context derives P_SHA1 message keys, which a message view (and so a "
                  "protected gRPC call) cannot name; it takes the default HKDF-SHA256");
  }
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = KeysForSending();
  if (!keys.ok()) return keys.status();
  out->keys = *std::move(keys);
  out->view = protect::HeaderView(*out->keys, ProtectedMessage::PROTECTION_SIGN,
                                  Direction::kClientToServer,
                                  next_sequence_.fetch_add(1, std::memory_order_relaxed),
                                  options_.clock->Now());
  if (options_.addressed_to.has_value()) out->view.receiver = *options_.addressed_to;
  out->view.payload = payload;
  out->tag = protect::SignView(*out->keys, out->view, associated_data);
  return absl::OkStatus();
}

absl::StatusOr<ProtectedMessage> SecurityContext::Sign(absl::string_view payload,
                                                       absl::string_view associated_data) {
  ProtectedMessage message;
  message.set_payload(std::string(payload));
  if (absl::Status s = Protect(&message, associated_data, false); !s.ok()) return s;
  return message;
}

absl::StatusOr<ProtectedMessage> SecurityContext::Seal(absl::string_view plaintext,
                                                       absl::string_view associated_data) {
  ProtectedMessage message;
  message.set_payload(std::string(plaintext));
  if (absl::Status s = Protect(&message, associated_data, true); !s.ok()) return s;
  return message;
}

absl::Status SecurityContext::Verify(const ProtectedMessage& message,
                                     absl::string_view associated_data) const {
  return receiver_->Verify(message, associated_data, Direction::kServerToClient).status();
}

absl::StatusOr<std::string> SecurityContext::Open(const ProtectedMessage& message,
                                                  absl::string_view associated_data) const {
  std::string plaintext;
  absl::Status s =
      receiver_->Open(message, associated_data, Direction::kServerToClient, &plaintext).status();
  if (!s.ok()) return s;
  return plaintext;
}

}  // namespace sts::context
