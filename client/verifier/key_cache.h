// KeyCache: the relying party's cache of context keys, filled by Validate
// (as the contexts' audience) and consulted by the Verifier's Receiver as its
// KeyResolver. verifier.h lists the rules as a user sees them; this class is
// internal to the verifier package.
//
// What a forger can make it learn. The receiver resolves keys before it can
// check a message's tag, so every message that names a context it does not
// hold, or fails its tag, may make the cache ask the STS about the token it
// carries, and whoever knows an identifier can send such a message with any
// instance and cookie. So the cache keeps apart what it learnt and from whom:
//  - Keys. A valid Validate answer is the STS's word about the token asked
//    about (a cookie opens only if the STS sealed it), so its keys are merged
//    by instance, with the accept_until the STS gave, into what is held, and
//    never replace it: an old authentic cookie, replayed, cannot drop a newer
//    instance.
//  - Confirmation. Once a message is accepted under the entry's keys
//    (Authenticated), the entry is confirmed: its periodic revalidation then
//    asks about the token of the newest accepted message, never about the
//    token of whatever message arrives.
//  - Negative answers to a lookup made for a message's token (unknown,
//    expired, superseded, a Validate error such as wsc:BadContextToken for a
//    cookie that does not open or wst:InvalidRequest for an oversized one)
//    are about that token: they are cached under (identifier, SHA-256 of the
//    cookie), at most kMaxNegativesPerContext per identifier, and refuse only
//    messages carrying that cookie. Held keys are untouched.
//  - One negative answer is about the identifier whichever token was asked
//    about: "cancelled" (the cookie had to open for a stateless STS to say
//    so). It drops the keys and refuses the whole context for negative_ttl.
//  - Lookups for tokens the cache does not hold keys for, and refreshes after
//    a failed tag, share one budget per identifier: one Validate per
//    min_refresh_interval. A message over budget is refused UNAVAILABLE
//    (wst:RequestFailed, retryable) and nothing is cached about it. A lookup
//    whose keys then verify the message that caused it gives its budget back
//    (it served the holder, not a forger).
//  - Periodic revalidation (revalidate_after) of held keys is outside that
//    budget, so that forged messages cannot postpone it (it is how a
//    cancellation is honoured); it asks about a token that produced keys, so
//    its answer is about them: cancelled refuses the context, expired or
//    unknown drops its keys, superseded drops that instance and older ones.
//  - Entries not confirmed are evicted among themselves (max_contexts of
//    them, least recently used first), so messages for made-up identifiers
//    cannot push confirmed entries out; confirmed entries are bounded by
//    max_contexts as well.
//
// Thread safe: one mutex guards the maps; Validate calls run with it
// released, and concurrent misses for one context wait for the call in
// flight.
#ifndef STS_CLIENT_VERIFIER_KEY_CACHE_H_
#define STS_CLIENT_VERIFIER_KEY_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/context/sts_api.h"
#include "client/crypto/digest.h"
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"
#include "client/verifier/options.h"
#include "sts/v1/sts.pb.h"

namespace sts::verifier {

class KeyCache final : public protect::KeyResolver {
 public:
  // Negative answers remembered per identifier (one per cookie), and key
  // instances held per identifier (the STS keeps at most five rolling over).
  static constexpr size_t kMaxNegativesPerContext = 8;
  static constexpr size_t kMaxInstancesPerContext = 8;

  // Borrows `options`, which must outlive the cache.
  KeyCache(std::shared_ptr<context::StsApi> sts, const VerifierOptions& options)
      : sts_(std::move(sts)), options_(options) {}

  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;
  void Authenticated(const sts::v1::SecurityContextToken& token, absl::Time now) override;

  // The current instance's keys of token's context (client/soap messages may
  // name no instance): what the cache holds, else a lookup within the
  // identifier's budget; then as Resolve.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> ResolveCurrent(
      const sts::v1::SecurityContextToken& token, absl::Time now);

  // The instance to answer under (the one a verified request used), and the
  // next answer sequence number of its context.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> ForAnswer(
      const sts::v1::SecurityContextToken& token, absl::Time now, uint64_t* sequence);

  void Forget(absl::string_view identifier);
  VerifierStats stats() const;

 private:
  struct KeyAt {
    std::shared_ptr<const protect::InstanceKeys> keys;
    absl::Time accept_until;
  };
  struct Negative {
    crypto::Sha256Digest cookie;
    absl::Status refusal;
    absl::Time until;
  };
  struct Entry {
    std::vector<KeyAt> keys;  // by instance, newest first
    bool confirmed = false;
    // The token of the newest instance a message was accepted under: what a
    // confirmed entry is revalidated with.
    sts::v1::SecurityContextToken confirmed_token;
    absl::Time validated_at = absl::InfinitePast();  // of the held keys
    absl::Time last_lookup = absl::InfinitePast();   // the per-identifier budget
    crypto::Sha256Digest last_lookup_cookie{};
    absl::Status cancelled;  // the STS said so; refuses the context while set
    absl::Time cancelled_until = absl::InfinitePast();
    std::vector<Negative> negatives;  // newest first
    bool loading = false;
    uint64_t next_answer_sequence = 1;
    std::list<std::string>::iterator lru;  // in confirmed_lru_ or unconfirmed_lru_
  };
  // Why a Validate call is made, which decides what its answer may change.
  enum class Purpose { kLookup, kRevalidate };

  // The callers below hold mu_.
  Entry* Find(const std::string& identifier);
  Entry& FindOrCreate(const std::string& identifier, absl::Time now);
  void Touch(Entry& entry);
  bool BudgetLeft(const Entry& entry, absl::Time now) const;
  static const KeyAt* Held(const Entry& entry, const std::string& instance);
  // What the entry's held key for `instance` says at `now` (it must be held).
  static absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Usable(
      const Entry& entry, const KeyAt& held, absl::Time now);
  static const Negative* NegativeFor(const Entry& entry, const crypto::Sha256Digest& cookie,
                                     absl::Time now);
  void Remember(Entry& entry, const crypto::Sha256Digest& cookie, absl::Status refusal,
                absl::Time until);
  // Calls Validate for `target` with `lock` released and applies the answer
  // to the entry of target.identifier(), which must exist; marks it loading
  // meanwhile. Returns the refusal a revalidation's answer gives the held
  // keys it dropped (OK otherwise).
  absl::Status Validate(std::unique_lock<std::mutex>& lock,
                        const sts::v1::SecurityContextToken& target, Purpose purpose,
                        absl::Time now);
  absl::Status Apply(Entry& entry, const sts::v1::SecurityContextToken& target, Purpose purpose,
                     const absl::StatusOr<sts::v1::ValidateResponse>& response, absl::Time now);
  // Whether a valid answer may give its keys to this relying party; the
  // refusal otherwise.
  absl::Status MayUse(const sts::v1::ValidateResponse& response) const;
  void Merge(Entry& entry, const sts::v1::SecurityContextToken& target,
             const sts::v1::ValidateResponse& response, absl::Time now);
  void Cancel(Entry& entry, absl::Status refusal, absl::Time now);
  void Evict(std::list<std::string>& lru);

  const std::shared_ptr<context::StsApi> sts_;
  const VerifierOptions& options_;
  mutable std::mutex mu_;
  std::condition_variable loaded_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; node-stable
  std::list<std::string> confirmed_lru_;            // guarded by mu_; most recent first
  std::list<std::string> unconfirmed_lru_;          // guarded by mu_; most recent first
  VerifierStats stats_;                             // guarded by mu_
};

}  // namespace sts::verifier

#endif  // STS_CLIENT_VERIFIER_KEY_CACHE_H_
