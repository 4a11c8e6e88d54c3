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
absl::Status RefusalFor(const sts::v1::ValidationStatus& status, const std::string& identifier) {
  const std::optional<wire::ValidationReason> reason = wire::ParseReason(status.reason());
  switch (reason.value_or(wire::ValidationReason::kUnknown)) {
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

}  // namespace

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::Resolve(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  std::unique_lock<std::mutex> lock(mu_);
  bool fetched = false;
  for (;;) {
    Entry* entry = Find(token.identifier());
    if (entry != nullptr && entry->loading) {
      loaded_.wait(lock);
      continue;
    }
    if (entry != nullptr) {
      Touch(*entry);
      const bool fresh = !entry->refusal.ok() ? now < entry->refusal_until
                                              : now - entry->fetched_at < options_.revalidate_after;
      if (fresh || fetched) {
        absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
            Lookup(*entry, token.instance(), now);
        if (keys.ok()) {
          if (!fetched) ++stats_.hits;
          return keys;
        }
        if (!entry->refusal.ok()) {
          if (!fetched) ++stats_.negative_hits;
          return keys;
        }
        // An instance we do not hold: the client may have renewed since we
        // looked. Ask again, at most once per interval.
        if (fetched || !RefreshAllowed(*entry, now)) return keys;
        entry->last_forced_refresh = now;
      }
    }
    Fetch(lock, token, now);
    fetched = true;
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
  if (entry == nullptr || !RefreshAllowed(*entry, now)) {
    return std::shared_ptr<const InstanceKeys>();
  }
  entry->last_forced_refresh = now;
  Fetch(lock, token, now);
  entry = Find(token.identifier());
  if (entry == nullptr) return std::shared_ptr<const InstanceKeys>();
  return Lookup(*entry, token.instance(), now);
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::ResolveCurrent(
    const sts::v1::SecurityContextToken& token, absl::Time now) {
  std::unique_lock<std::mutex> lock(mu_);
  bool fetched = false;
  for (;;) {
    Entry* entry = Find(token.identifier());
    if (entry != nullptr && entry->loading) {
      loaded_.wait(lock);
      continue;
    }
    if (entry != nullptr) {
      const bool fresh = !entry->refusal.ok() ? now < entry->refusal_until
                                              : now - entry->fetched_at < options_.revalidate_after;
      if (fresh || fetched) {
        Touch(*entry);
        if (!entry->refusal.ok()) return entry->refusal;
        if (entry->keys.empty()) {
          return Refuse(Refusal::kUnknownKeyInstance, "the context has no current key");
        }
        if (!fetched) ++stats_.hits;
        return Lookup(*entry, entry->keys.front().keys->instance(), now);
      }
    }
    Fetch(lock, token, now);
    fetched = true;
  }
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::ForAnswer(
    const sts::v1::SecurityContextToken& token, absl::Time now, uint64_t* sequence) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* entry = Find(token.identifier());
  if (entry == nullptr) {
    return Refuse(Refusal::kUnknownContext, "no verified message under this context");
  }
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      Lookup(*entry, token.instance(), now);
  if (keys.ok()) *sequence = entry->next_answer_sequence++;
  return keys;
}

void KeyCache::Forget(absl::string_view identifier) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(std::string(identifier));
  if (it == entries_.end() || it->second.loading) return;
  lru_.erase(it->second.lru);
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

void KeyCache::Touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }

bool KeyCache::RefreshAllowed(const Entry& entry, absl::Time now) const {
  return now - entry.last_forced_refresh >= options_.min_refresh_interval;
}

absl::StatusOr<std::shared_ptr<const InstanceKeys>> KeyCache::Lookup(const Entry& entry,
                                                                  const std::string& instance,
                                                                  absl::Time now) {
  if (!entry.refusal.ok()) return entry.refusal;
  for (size_t i = 0; i < entry.keys.size(); ++i) {
    const KeyAt& k = entry.keys[i];
    if (k.keys->instance() != instance) continue;
    if (now < k.accept_until) return k.keys;  // "until": exclusive, as the STS
    if (i == 0) return Refuse(Refusal::kRenewNeeded, "the context has expired");
    return Refuse(Refusal::kUnknownKeyInstance,
                  absl::StrCat("the rollover window of instance ", instance, " has ended"));
  }
  return Refuse(Refusal::kUnknownKeyInstance,
                absl::StrCat("instance ", instance, " is not a current key of the context"));
}

void KeyCache::Fetch(std::unique_lock<std::mutex>& lock,
                     const sts::v1::SecurityContextToken& token, absl::Time now) {
  Entry* entry = Find(token.identifier());
  if (entry == nullptr) {
    Evict();
    lru_.push_front(token.identifier());
    entry = &entries_[token.identifier()];
    entry->lru = lru_.begin();
    // Answer sequence numbers start at the time in microseconds, like a
    // SecurityContext's, so a restarted relying party starts above them.
    entry->next_answer_sequence =
        static_cast<uint64_t>(std::max<int64_t>(1, absl::ToUnixMicros(now)));
  }
  entry->loading = true;
  ++stats_.validations;
  sts::v1::SecurityContextToken target;
  target.set_identifier(token.identifier());
  target.set_cookie(token.cookie());
  lock.unlock();
  absl::StatusOr<sts::v1::ValidateResponse> response = sts_->Validate(target);
  lock.lock();
  entry = Find(token.identifier());  // loading entries are never evicted
  Apply(*entry, token, response, now);
  entry->loading = false;
  loaded_.notify_all();
}

void KeyCache::Apply(Entry& entry, const sts::v1::SecurityContextToken& token,
                     const absl::StatusOr<sts::v1::ValidateResponse>& response, absl::Time now) {
  auto negative = [&](absl::Status refusal, absl::Duration ttl) {
    entry.refusal = std::move(refusal);
    entry.refusal_until = now + ttl;
    entry.keys.clear();  // dropped keys are wiped once unused
  };
  if (!response.ok()) {
    if (IsTransportFailure(response.status())) {
      if (entry.refusal.ok() && !entry.keys.empty()) {
        // Keep the keys we have (each until its accept_until); look again
        // after the refresh interval.
        entry.fetched_at = now - options_.revalidate_after + options_.min_refresh_interval;
        return;
      }
      negative(Refuse(Refusal::kUnavailable,
                      absl::StrCat("cannot validate the context with the STS: ",
                                   response.status().message())),
               options_.min_refresh_interval);
      return;
    }
    // The STS refused us (e.g. policy does not let us validate).
    absl::Status refusal = response.status();
    if (wire::FaultNameOf(refusal).empty()) {
      refusal = Refuse(Refusal::kNotPermitted, refusal.message());
    }
    negative(std::move(refusal), options_.negative_ttl);
    return;
  }
  const sts::v1::ValidateResponse& v = *response;
  if (v.status().code() != wire::kStatusValid) {
    negative(RefusalFor(v.status(), token.identifier()), options_.negative_ttl);
    return;
  }
  if (!options_.expected_audience.empty() && v.applies_to() != options_.expected_audience) {
    negative(Refuse(Refusal::kNotPermitted, "the context was issued for another audience"),
             options_.negative_ttl);
    return;
  }
  if (v.keys().empty()) {
    negative(Refuse(Refusal::kNotPermitted,
                    "the STS released no keys to this relying party (it is not the "
                    "context's audience)"),
             options_.negative_ttl);
    return;
  }
  auto info = std::make_shared<ContextInfo>();
  info->identifier = token.identifier();
  info->cookie = token.cookie();
  info->principal = v.principal();
  info->applies_to = v.applies_to();
  std::vector<KeyAt> keys;
  for (const sts::v1::ContextKey& key : v.keys()) {
    // An instance we already hold with the same key keeps its prepared
    // keys (and their P_SHA1 cache).
    std::shared_ptr<const InstanceKeys> same;
    for (const KeyAt& old : entry.keys) {
      if (old.keys->instance() == key.instance() &&
          old.keys->HasContextKey(crypto::AsBytes(key.key()))) {
        same = old.keys;
      }
    }
    if (same == nullptr) {
      absl::StatusOr<std::shared_ptr<const InstanceKeys>> created = InstanceKeys::Create(
          info, key.instance(), crypto::SecretBytes::FromString(key.key()));
      if (!created.ok()) continue;  // an empty key: nothing verifies under it
      same = *std::move(created);
    }
    keys.push_back({std::move(same), TimeOf(key.accept_until())});
  }
  entry.keys = std::move(keys);
  entry.refusal = absl::OkStatus();
  entry.fetched_at = now;
}

void KeyCache::Evict() {
  auto it = lru_.end();
  while (entries_.size() >= options_.max_contexts && it != lru_.begin()) {
    --it;
    auto found = entries_.find(*it);
    if (found->second.loading) continue;
    it = lru_.erase(it);
    entries_.erase(found);
    ++stats_.evictions;
  }
}

}  // namespace sts::verifier
