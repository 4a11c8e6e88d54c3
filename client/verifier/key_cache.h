// KeyCache: the relying party's cache of context keys, filled by Validate
// (as the contexts' audience) and consulted by the Verifier's Receiver as its
// KeyResolver. The rules it keeps (freshness, negative answers, refresh rate,
// outages, the LRU bound) are listed in verifier.h, the public face; this
// class is internal to the verifier package.
//
// Thread safe: one mutex guards the map; Validate calls run with it
// released, and concurrent misses for one context wait for the one call in
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
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"
#include "client/verifier/options.h"
#include "sts/v1/sts.pb.h"

namespace sts::verifier {

class KeyCache final : public protect::KeyResolver {
 public:
  // Borrows `options`, which must outlive the cache.
  KeyCache(std::shared_ptr<context::StsApi> sts, const VerifierOptions& options)
      : sts_(std::move(sts)), options_(options) {}

  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;

  // The current instance's keys of token's context (client/soap messages may
  // name no instance): the cached entry while fresh, else a Validate.
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

  // The callers below hold mu_.
  Entry* Find(const std::string& identifier);
  void Touch(Entry& entry);
  bool RefreshAllowed(const Entry& entry, absl::Time now) const;
  // What the entry says about `instance` at `now`.
  static absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Lookup(
      const Entry& entry, const std::string& instance, absl::Time now);
  // Calls Validate for `token` with `lock` released and stores the answer.
  // Marks the entry loading meanwhile, so concurrent misses wait for it.
  void Fetch(std::unique_lock<std::mutex>& lock, const sts::v1::SecurityContextToken& token,
             absl::Time now);
  // Stores what Validate answered (or how it failed) in `entry`.
  void Apply(Entry& entry, const sts::v1::SecurityContextToken& token,
             const absl::StatusOr<sts::v1::ValidateResponse>& response, absl::Time now);
  // Makes room for one more entry; entries being loaded stay.
  void Evict();

  const std::shared_ptr<context::StsApi> sts_;
  const VerifierOptions& options_;
  mutable std::mutex mu_;
  std::condition_variable loaded_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_; node-stable
  std::list<std::string> lru_;                      // guarded by mu_; most recent first
  VerifierStats stats_;                             // guarded by mu_
};

}  // namespace sts::verifier

#endif  // STS_CLIENT_VERIFIER_KEY_CACHE_H_
