#include "client/verifier/verifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"
#include "client/wire/uris.h"

namespace sts::verifier {
namespace {

using protect::ContextInfo;
using protect::Direction;
using protect::InstanceKeys;
using sts::v1::ProtectedMessage;
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

}  // namespace

// The key cache; the KeyResolver of the Verifier's Receiver.
class Verifier::Cache final : public protect::KeyResolver {
 public:
  Cache(std::shared_ptr<context::StsApi> sts, const VerifierOptions& options)
      : sts_(std::move(sts)), options_(options) {}

  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
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

  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
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

  // The current instance's keys of token's context (client/soap messages may
  // name no instance): the cached entry while fresh, else a Validate.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> ResolveCurrent(
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

  // The instance to answer under, and the next answer sequence number.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> ForAnswer(
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

  void Forget(absl::string_view identifier) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(std::string(identifier));
    if (it == entries_.end() || it->second.loading) return;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }

  VerifierStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    VerifierStats s = stats_;
    s.contexts = entries_.size();
    return s;
  }

 private:
  struct KeyAt {
    std::shared_ptr<const InstanceKeys> keys;
    absl::Time accept_until;
  };
  struct Entry {
    std::vector<KeyAt> keys;  // the current instance first
    absl::Time fetched_at = absl::InfinitePast();
    absl::Time last_forced_refresh = absl::InfinitePast();
    absl::Status refusal;  // a negative entry when not OK
    absl::Time refusal_until = absl::InfinitePast();
    bool loading = false;
    uint64_t next_answer_sequence = 1;
    std::list<std::string>::iterator lru;
  };

  Entry* Find(const std::string& identifier) {
    auto it = entries_.find(identifier);
    return it == entries_.end() ? nullptr : &it->second;
  }

  void Touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }

  bool RefreshAllowed(const Entry& entry, absl::Time now) const {
    return now - entry.last_forced_refresh >= options_.min_refresh_interval;
  }

  // What the entry says about `instance` at `now`.
  static absl::StatusOr<std::shared_ptr<const InstanceKeys>> Lookup(const Entry& entry,
                                                                    const std::string& instance,
                                                                    absl::Time now) {
    if (!entry.refusal.ok()) return entry.refusal;
    for (size_t i = 0; i < entry.keys.size(); ++i) {
      const KeyAt& k = entry.keys[i];
      if (k.keys->instance() != instance) continue;
      if (now <= k.accept_until) return k.keys;
      if (i == 0) return Refuse(Refusal::kRenewNeeded, "the context has expired");
      return Refuse(Refusal::kUnknownKeyInstance,
                    absl::StrCat("the rollover window of instance ", instance, " has ended"));
    }
    return Refuse(Refusal::kUnknownKeyInstance,
                  absl::StrCat("instance ", instance, " is not a current key of the context"));
  }

  // Calls Validate for `token` with `lock` released and stores the answer.
  // Marks the entry loading meanwhile, so concurrent misses wait for it.
  void Fetch(std::unique_lock<std::mutex>& lock, const sts::v1::SecurityContextToken& token,
             absl::Time now) {
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

  void Apply(Entry& entry, const sts::v1::SecurityContextToken& token,
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
      const std::string& reason = v.status().reason();
      negative(reason == "cancelled" ? Refuse(Refusal::kCancelledContext, "the context was cancelled")
               : reason == "expired" ? Refuse(Refusal::kRenewNeeded, "the context has expired")
                                     : Refuse(Refusal::kUnknownContext,
                                              absl::StrCat("the STS does not know context ",
                                                           token.identifier())),
               options_.negative_ttl);
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

  // Makes room for one more entry; entries being loaded stay.
  void Evict() {
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

  const std::shared_ptr<context::StsApi> sts_;
  const VerifierOptions& options_;
  mutable std::mutex mu_;
  std::condition_variable loaded_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; node-stable
  std::list<std::string> lru_;                      // guarded by mu_; most recent first
  VerifierStats stats_;                             // guarded by mu_
};

Verifier::Verifier(std::shared_ptr<context::StsApi> sts, VerifierOptions options)
    : options_(std::move(options)) {
  cache_ = std::make_unique<Cache>(std::move(sts), options_);
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

void Verifier::Forget(absl::string_view identifier) { cache_->Forget(identifier); }

VerifierStats Verifier::stats() const { return cache_->stats(); }

}  // namespace sts::verifier
