#include "client/verifier/key_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"
#include "client/wire/uris.h"
#include "client/wire/validation.h"

namespace sts::verifier {
namespace {

using protect::ContextInfo;
using protect::InstanceKeys;
using wire::Refusal;
using wire::Refuse;
using wire::TimeOf;

bool IsTransportFailure(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

// The refusal a message under a context gets when Validate said it is not
// valid, by the reason the STS gave.
absl::Status RefusalFor(wire::ValidationReason reason, const std::string& identifier) {
  switch (reason) {
    case wire::ValidationReason::kCancelled:
      return Refuse(Refusal::kCancelledContext, "the context was cancelled");
    case wire::ValidationReason::kExpired:
      return Refuse(Refusal::kRenewNeeded, "the context has expired");
    case wire::ValidationReason::kSuperseded:
      return Refuse(Refusal::kUnknownKeyInstance,
                    "the token's instance was renewed and its rollover window is over");
    case wire::ValidationReason::kValid:  // with an invalid code: not to be trusted
    case wire::ValidationReason::kUnknown:
      break;
  }
  return Refuse(Refusal::kUnknownContext,
                absl::StrCat("the STS does not know context ", identifier));
}

// Instances are decimal numbers from this STS: ordered by (length, text),
// they compare as numbers, and any other text still orders consistently.
bool Newer(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() > b.size() : a > b;
}

crypto::Sha256Digest CookieDigest(absl::string_view cookie) { return crypto::Sha256(cookie); }

absl::Status NotReleasedForThisToken() {
  return Refuse(Refusal::kUnknownKeyInstance,
                "the message names an instance that is not one the STS released for its token");
}

}  // namespace

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::Resolve(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  const crypto::Sha256Digest cookie = CookieDigest(token.cookie());
  std::unique_lock<std::mutex> lock(mu_);
  bool asked = false;  // whether this call has made its Validate
  for (;;) {
    Entry* entry = Find(token.identifier());
    if (entry != nullptr && entry->loading) {
      loaded_.wait(lock);
      continue;
    }
    if (entry != nullptr) {
      Touch(*entry);
      if (!entry->cancelled.ok() && now < entry->cancelled_until) {
        if (!asked) ++stats_.negative_hits;
        return entry->cancelled;
      }
      if (const KeyAt* held = Held(*entry, token.instance()); held != nullptr) {
        absl::StatusOr<std::shared_ptr<const InstanceKeys>> usable = Usable(*entry, *held, now);
        if (!usable.ok() || asked || now - entry->validated_at < options_.revalidate_after) {
          if (usable.ok() && !asked) ++stats_.hits;
          return usable;
        }
        // Due for revalidation, with a token that produced keys: the newest
        // accepted one, else the one these keys came from. Never this
        // message's own, which anyone may have made.
        sts::v1::SecurityContextToken target;
        if (entry->confirmed) {
          target = entry->confirmed_token;
        } else {
          target.set_identifier(token.identifier());
          target.set_instance(token.instance());
          target.set_cookie(held->keys->info().cookie);
        }
        const absl::Status dropped = Validate(lock, target, Purpose::kRevalidate, now);
        entry = Find(token.identifier());  // loading entries are never removed
        if (!entry->cancelled.ok() && now < entry->cancelled_until) return entry->cancelled;
        held = Held(*entry, token.instance());
        if (held == nullptr) return dropped.ok() ? NotReleasedForThisToken() : dropped;
        return Usable(*entry, *held, now);
      }
      if (const Negative* negative = NegativeFor(*entry, cookie, now); negative != nullptr) {
        if (!asked) ++stats_.negative_hits;
        return negative->refusal;
      }
    }
    // A token the cache holds no keys for: ask the STS about it, within the
    // identifier's budget.
    if (asked) return NotReleasedForThisToken();
    if (entry != nullptr && !BudgetLeft(*entry, now)) {
      return Refuse(Refusal::kUnavailable,
                    absl::StrCat("context ", token.identifier(),
                                 " was looked up less than min_refresh_interval ago; retry"));
    }
    FindOrCreate(token.identifier(), now);
    Validate(lock, token, Purpose::kLookup, now).IgnoreError();  // the answer is in the entry
    asked = true;
  }
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::Refresh(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  std::unique_lock<std::mutex> lock(mu_);
  Entry* entry = Find(token.identifier());
  while (entry != nullptr && entry->loading) {
    loaded_.wait(lock);
    entry = Find(token.identifier());
  }
  // Nothing fresher to learn within the budget, or about a token the STS has
  // just refused.
  if (entry == nullptr || !BudgetLeft(*entry, now) ||
      NegativeFor(*entry, CookieDigest(token.cookie()), now) != nullptr) {
    return std::shared_ptr<const InstanceKeys>();
  }
  // Asked about this message's token, which only a cancellation lets change
  // what is held (besides new keys merged in).
  Validate(lock, token, Purpose::kLookup, now).IgnoreError();
  entry = Find(token.identifier());
  if (!entry->cancelled.ok() && now < entry->cancelled_until) return entry->cancelled;
  const KeyAt* held = Held(*entry, token.instance());
  if (held == nullptr) return std::shared_ptr<const InstanceKeys>();
  return Usable(*entry, *held, now);
}

void KeyCache::Authenticated(const sts::v1::SecurityContextToken& token, absl::Time now) {
  const crypto::Sha256Digest cookie = CookieDigest(token.cookie());
  std::lock_guard<std::mutex> lock(mu_);
  Entry* entry = Find(token.identifier());
  if (entry == nullptr) return;
  // A lookup made for this token served its holder: it does not count
  // against the budget for forged messages, and what it recorded about the
  // token is superseded by the message having verified.
  if (entry->last_lookup_cookie == cookie) entry->last_lookup = absl::InfinitePast();
  entry->negatives.erase(std::remove_if(entry->negatives.begin(), entry->negatives.end(),
                                        [&](const Negative& n) { return n.cookie == cookie; }),
                         entry->negatives.end());
  if (!entry->confirmed) {
    Evict(confirmed_lru_);
    unconfirmed_lru_.erase(entry->lru);
    confirmed_lru_.push_front(token.identifier());
    entry->lru = confirmed_lru_.begin();
    entry->confirmed = true;
  }
  if (entry->confirmed_token.identifier().empty() ||
      !Newer(entry->confirmed_token.instance(), token.instance())) {
    entry->confirmed_token.set_identifier(token.identifier());
    entry->confirmed_token.set_instance(token.instance());
    entry->confirmed_token.set_cookie(token.cookie());
  }
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::ResolveCurrent(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  sts::v1::SecurityContextToken named = token;
  {
    std::unique_lock<std::mutex> lock(mu_);
    Entry* entry = Find(token.identifier());
    while (entry != nullptr && entry->loading) {
      loaded_.wait(lock);
      entry = Find(token.identifier());
    }
    if (entry == nullptr || entry->keys.empty()) {
      // Nothing held: learn the context, within the identifier's budget.
      if (entry != nullptr && !BudgetLeft(*entry, now)) {
        return Refuse(Refusal::kUnavailable,
                      absl::StrCat("context ", token.identifier(),
                                   " was looked up less than min_refresh_interval ago; retry"));
      }
      FindOrCreate(token.identifier(), now);
      Validate(lock, token, Purpose::kLookup, now).IgnoreError();  // the answer is in the entry
      entry = Find(token.identifier());
      if (!entry->cancelled.ok() && now < entry->cancelled_until) return entry->cancelled;
      if (entry->keys.empty()) {
        const Negative* negative = NegativeFor(*entry, CookieDigest(token.cookie()), now);
        return negative != nullptr ? negative->refusal : NotReleasedForThisToken();
      }
    }
    named.set_instance(entry->keys.front().keys->instance());
  }
  return Resolve(named, now);
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::ForAnswer(
    const sts::v1::SecurityContextToken& token, absl::Time now, uint64_t* sequence) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* entry = Find(token.identifier());
  if (entry == nullptr) {
    return Refuse(Refusal::kUnknownContext, "no verified message under this context");
  }
  if (!entry->cancelled.ok() && now < entry->cancelled_until) return entry->cancelled;
  const KeyAt* held = Held(*entry, token.instance());
  if (held == nullptr) {
    return Refuse(Refusal::kUnknownKeyInstance,
                  absl::StrCat("instance ", token.instance(), " is not a held key of the context"));
  }
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys = Usable(*entry, *held, now);
  if (keys.ok()) *sequence = entry->next_answer_sequence++;
  return keys;
}

void KeyCache::Forget(absl::string_view identifier) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(std::string(identifier));
  if (it == entries_.end() || it->second.loading) return;
  (it->second.confirmed ? confirmed_lru_ : unconfirmed_lru_).erase(it->second.lru);
  entries_.erase(it);
}

VerifierStats KeyCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  VerifierStats s = stats_;
  s.contexts = entries_.size();
  return s;
}

KeyCache::Entry* KeyCache::Find(const std::string& identifier) {
  auto it = entries_.find(identifier);
  return it == entries_.end() ? nullptr : &it->second;
}

KeyCache::Entry& KeyCache::FindOrCreate(const std::string& identifier, absl::Time now) {
  if (Entry* entry = Find(identifier); entry != nullptr) return *entry;
  Evict(unconfirmed_lru_);
  unconfirmed_lru_.push_front(identifier);
  Entry& entry = entries_[identifier];
  entry.lru = unconfirmed_lru_.begin();
  // Answer sequence numbers start at the time in microseconds, like a
  // SecurityContext's, so a restarted relying party starts above them.
  entry.next_answer_sequence =
      static_cast<uint64_t>(std::max<int64_t>(1, absl::ToUnixMicros(now)));
  return entry;
}

void KeyCache::Touch(Entry& entry) {
  std::list<std::string>& lru = entry.confirmed ? confirmed_lru_ : unconfirmed_lru_;
  lru.splice(lru.begin(), lru, entry.lru);
}

bool KeyCache::BudgetLeft(const Entry& entry, absl::Time now) const {
  return now - entry.last_lookup >= options_.min_refresh_interval;
}

const KeyCache::KeyAt* KeyCache::Held(const Entry& entry, const std::string& instance) {
  for (const KeyAt& k : entry.keys) {
    if (k.keys->instance() == instance) return &k;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::Usable(const Entry& entry,
                                                                     const KeyAt& held,
                                                                     absl::Time now) {
  if (now < held.accept_until) return held.keys;  // "until": exclusive, as the STS
  if (&held == &entry.keys.front()) return Refuse(Refusal::kRenewNeeded, "the context has expired");
  return Refuse(Refusal::kUnknownKeyInstance,
                absl::StrCat("the rollover window of instance ", held.keys->instance(),
                             " has ended"));
}

const KeyCache::Negative* KeyCache::NegativeFor(const Entry& entry,
                                                const crypto::Sha256Digest& cookie,
                                                absl::Time now) {
  for (const Negative& n : entry.negatives) {
    if (n.cookie == cookie) return now < n.until ? &n : nullptr;
  }
  return nullptr;
}

void KeyCache::Remember(Entry& entry, const crypto::Sha256Digest& cookie, absl::Status refusal,
                        absl::Time until) {
  std::vector<Negative>& negatives = entry.negatives;
  negatives.erase(std::remove_if(negatives.begin(), negatives.end(),
                                 [&](const Negative& n) { return n.cookie == cookie; }),
                  negatives.end());
  negatives.insert(negatives.begin(), Negative{cookie, std::move(refusal), until});
  if (negatives.size() > kMaxNegativesPerContext) negatives.resize(kMaxNegativesPerContext);
}

absl::Status KeyCache::Validate(std::unique_lock<std::mutex>& lock,
                                const sts::v1::SecurityContextToken& target, Purpose purpose,
                                absl::Time now) {
  Entry* entry = Find(target.identifier());
  entry->loading = true;
  ++stats_.validations;
  if (purpose == Purpose::kLookup) {
    entry->last_lookup = now;
    entry->last_lookup_cookie = CookieDigest(target.cookie());
  }
  sts::v1::SecurityContextToken ask;
  ask.set_identifier(target.identifier());
  ask.set_cookie(target.cookie());
  lock.unlock();
  absl::StatusOr<sts::v1::ValidateResponse> response = sts_->Validate(ask);
  lock.lock();
  entry = Find(target.identifier());  // loading entries are never evicted or forgotten
  const absl::Status dropped = Apply(*entry, target, purpose, response, now);
  entry->loading = false;
  loaded_.notify_all();
  return dropped;
}

absl::Status KeyCache::Apply(Entry& entry, const sts::v1::SecurityContextToken& target,
                             Purpose purpose,
                             const absl::StatusOr<sts::v1::ValidateResponse>& response,
                             absl::Time now) {
  const crypto::Sha256Digest cookie = CookieDigest(target.cookie());
  const bool revalidation = purpose == Purpose::kRevalidate;
  // A refusal about the token asked about. A revalidation asked about a
  // token that produced the held keys, so its refusal is theirs; a lookup's
  // is the message's only.
  auto refused = [&](absl::Status refusal, absl::Duration ttl) {
    if (revalidation) {
      entry.keys.clear();  // dropped keys are wiped once unused
      entry.validated_at = now;
      return refusal;
    }
    Remember(entry, cookie, std::move(refusal), now + ttl);
    return absl::OkStatus();
  };
  if (!response.ok()) {
    if (IsTransportFailure(response.status())) {
      if (revalidation) {
        // Keep the keys (each until its accept_until); look again after the
        // refresh interval.
        entry.validated_at = now - options_.revalidate_after + options_.min_refresh_interval;
        return absl::OkStatus();
      }
      Remember(entry, cookie,
               Refuse(Refusal::kUnavailable, absl::StrCat("cannot validate the context with the STS: ",
                                                          response.status().message())),
               now + options_.min_refresh_interval);
      return absl::OkStatus();
    }
    // The STS refused the request (the token is malformed, its cookie does
    // not open, policy does not let us validate).
    absl::Status refusal = response.status();
    if (wire::FaultNameOf(refusal).empty()) {
      refusal = Refuse(Refusal::kNotPermitted, refusal.message());
    }
    return refused(std::move(refusal), options_.negative_ttl);
  }
  const sts::v1::ValidateResponse& v = *response;
  if (v.status().code() != wire::kStatusValid) {
    const wire::ValidationReason reason =
        wire::ParseReason(v.status().reason()).value_or(wire::ValidationReason::kUnknown);
    absl::Status refusal = RefusalFor(reason, target.identifier());
    if (reason == wire::ValidationReason::kCancelled) {
      // About the identifier, whichever token was asked about.
      Cancel(entry, refusal, now);
      return refusal;
    }
    if (revalidation && reason == wire::ValidationReason::kSuperseded) {
      // That instance (and any older one) is over; newer ones are not.
      entry.keys.erase(std::remove_if(entry.keys.begin(), entry.keys.end(),
                                      [&](const KeyAt& k) {
                                        return !Newer(k.keys->instance(), target.instance());
                                      }),
                       entry.keys.end());
      entry.validated_at = now;
      return refusal;
    }
    return refused(std::move(refusal), options_.negative_ttl);
  }
  if (v.revocation_state_unknown() && v.keys().empty()) {
    // The STS could not read the shared revocation state and withheld the
    // keys: an outage, not an answer about the context.
    if (revalidation) {
      entry.validated_at = now - options_.revalidate_after + options_.min_refresh_interval;
      return absl::OkStatus();
    }
    Remember(entry, cookie,
             Refuse(Refusal::kUnavailable,
                    "the STS cannot check this context's revocation state now; retry"),
             now + options_.min_refresh_interval);
    return absl::OkStatus();
  }
  if (absl::Status s = MayUse(v); !s.ok()) return refused(std::move(s), options_.negative_ttl);
  Merge(entry, target, v, now);
  entry.validated_at = now;
  if (!revalidation) {
    // The STS has just said which instances this token has: others are
    // refused without asking again for the interval.
    Remember(entry, cookie, NotReleasedForThisToken(), now + options_.min_refresh_interval);
  }
  return absl::OkStatus();
}

absl::Status KeyCache::MayUse(const sts::v1::ValidateResponse& v) const {
  if (!options_.expected_audience.empty() && v.applies_to() != options_.expected_audience) {
    return Refuse(Refusal::kNotPermitted, "the context was issued for another audience");
  }
  if (v.keys().empty()) {
    return Refuse(Refusal::kNotPermitted,
                  "the STS released no keys to this relying party (it is not the context's "
                  "audience)");
  }
  if (options_.accept_owner_keys) return absl::OkStatus();
  switch (v.keys_released_to()) {
    case sts::v1::ValidateResponse::KEYS_RELEASED_TO_AUDIENCE:
      return absl::OkStatus();
    case sts::v1::ValidateResponse::KEYS_RELEASED_TO_OWNER:
      return Refuse(Refusal::kNotPermitted,
                    "the STS released the keys to this relying party as the context's owner, "
                    "not its audience: messages under it could be the audience's forgeries "
                    "(set accept_owner_keys to accept them)");
    default:
      if (!options_.expected_audience.empty()) return absl::OkStatus();  // checked above
      return Refuse(Refusal::kNotPermitted,
                    "the STS did not say why it released the keys (an STS older than "
                    "keys_released_to); set expected_audience");
  }
}

void KeyCache::Merge(Entry& entry, const sts::v1::SecurityContextToken& target,
                     const sts::v1::ValidateResponse& v, absl::Time now) {
  auto info = std::make_shared<ContextInfo>();
  info->identifier = target.identifier();
  info->cookie = target.cookie();
  info->principal = v.principal();
  info->applies_to = v.applies_to();
  for (const sts::v1::ContextKey& key : v.keys()) {
    const absl::Time accept_until = TimeOf(key.accept_until());
    auto held = std::find_if(entry.keys.begin(), entry.keys.end(), [&](const KeyAt& k) {
      return k.keys->instance() == key.instance();
    });
    // An instance held with the same key keeps its prepared keys (and their
    // P_SHA1 cache); the STS's accept_until for it is the latest word.
    if (held != entry.keys.end() && held->keys->HasContextKey(crypto::AsBytes(key.key()))) {
      held->accept_until = accept_until;
      continue;
    }
    absl::StatusOr<std::shared_ptr<const InstanceKeys>> created =
        InstanceKeys::Create(info, key.instance(), crypto::SecretBytes::FromString(key.key()));
    if (!created.ok()) continue;  // an empty key: nothing verifies under it
    if (held != entry.keys.end()) {
      *held = {*std::move(created), accept_until};
    } else {
      entry.keys.push_back({*std::move(created), accept_until});
    }
  }
  entry.keys.erase(std::remove_if(entry.keys.begin(), entry.keys.end(),
                                  [now](const KeyAt& k) { return k.accept_until < now; }),
                   entry.keys.end());
  std::sort(entry.keys.begin(), entry.keys.end(), [](const KeyAt& a, const KeyAt& b) {
    return Newer(a.keys->instance(), b.keys->instance());
  });
  if (entry.keys.size() > kMaxInstancesPerContext) entry.keys.resize(kMaxInstancesPerContext);
}

void KeyCache::Cancel(Entry& entry, absl::Status refusal, absl::Time now) {
  entry.keys.clear();
  entry.cancelled = std::move(refusal);
  entry.cancelled_until = now + options_.negative_ttl;
}

void KeyCache::Evict(std::list<std::string>& lru) {
  auto it = lru.end();
  while (lru.size() >= options_.max_contexts && it != lru.begin()) {
    --it;
    auto found = entries_.find(*it);
    if (found->second.loading) continue;
    it = lru.erase(it);
    entries_.erase(found);
    ++stats_.evictions;
  }
}

}  // namespace sts::verifier
