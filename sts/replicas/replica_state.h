#ifndef STS_REPLICAS_REPLICA_STATE_H_
#define STS_REPLICAS_REPLICA_STATE_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sts/token/token_id.h"

namespace sts::replicas {

// What replicas serving stateless (cookie) contexts must agree on, per
// identifier: whether it was cancelled, and which instances renewals
// superseded (each accepted until the end of its rollover window). Nothing is
// stored for a context that was only issued.
struct ContextState {
  bool cancelled = false;
  uint32_t current_instance = 0;  // 0: never renewed here
  absl::flat_hash_map<uint32_t, absl::Time> superseded_until;
};

// The store of ContextState. Implementations are thread safe; a backend that
// cannot be reached answers UNAVAILABLE (wst:RequestFailed), and callers
// fail closed on changes (Renew, Cancel).
class ReplicaState {
 public:
  virtual ~ReplicaState() = default;

  virtual absl::StatusOr<ContextState> Get(const token::TokenId& id) = 0;

  // A renewal of instance `from` at `now`: atomically, the new instance is
  // max(current, from) + 1, and `from` stays acceptable until
  // `from_accept_until` (the first renewal of an instance sets it); windows
  // already over at `now` may be dropped. The entry is kept at least until
  // `keep_until`. Refuses with wst:InvalidSecurityToken if the context was
  // cancelled.
  virtual absl::StatusOr<uint32_t> Supersede(const token::TokenId& id, uint32_t from,
                                             absl::Time from_accept_until,
                                             absl::Time keep_until, absl::Time now) = 0;

  // Marks the context cancelled at `now`, remembered at least until
  // `keep_until`.
  virtual absl::Status Cancel(const token::TokenId& id, absl::Time keep_until,
                              absl::Time now) = 0;
};

// In-process shared state, for a single replica serving cookie contexts
// without Redis. A restart forgets it: cancelled cookies still inside their
// lifetime validate again (README.md, "Scale-out").
//
// Bounded: at most `max_entries` identifiers. Entries past their keep_until
// are dropped first, whenever room is needed and by Purge(). When the table
// is still full:
//  - a Supersede that needs a new entry is refused (RESOURCE_EXHAUSTED,
//    wst:RequestFailed): the holder keeps its current cookie, which stays
//    valid, and may retry;
//  - a Cancel that needs one evicts the renewal record (never a
//    cancellation) whose keep_until is soonest. A lost renewal record lets
//    that context's older cookies validate until their own expiry instead of
//    the end of their rollover window, and a later renewal of one may reuse
//    an instance number; both keep the keys with their holder. Dropping a
//    cancellation instead would revive a context its holder believes dead,
//    and refusing the Cancel would keep it alive too. Only when every entry
//    is a cancellation still in force is the Cancel refused
//    (RESOURCE_EXHAUSTED): the holder is told, so it knows the context
//    stays valid.
class InMemoryReplicaState final : public ReplicaState {
 public:
  explicit InMemoryReplicaState(size_t max_entries = 1'000'000);

  absl::StatusOr<ContextState> Get(const token::TokenId& id) override;
  absl::StatusOr<uint32_t> Supersede(const token::TokenId& id, uint32_t from,
                                     absl::Time from_accept_until, absl::Time keep_until,
                                     absl::Time now) override;
  absl::Status Cancel(const token::TokenId& id, absl::Time keep_until, absl::Time now) override;
  // Drops the entries whose keep_until is at or before `now`; how many.
  size_t Purge(absl::Time now);
  size_t size();

 private:
  struct Entry {
    ContextState state;
    absl::Time keep_until;
  };
  using Order = std::set<std::pair<absl::Time, std::array<uint8_t, 16>>>;
  // The entry for `id`, created if there is room (after purging at `now`,
  // and evicting a renewal record if `evict`); nullptr when full.
  Entry* FindOrCreate(const token::TokenId& id, absl::Time now, bool evict);
  // Moves `entry` to the index matching its state and keep_until.
  void Reindex(const token::TokenId& id, const Entry& before, const Entry& after);
  size_t PurgeLocked(absl::Time now);

  const size_t max_entries_;
  std::mutex mu_;  // guards everything below
  absl::flat_hash_map<token::TokenId, Entry> entries_;
  // Every entry once, by keep_until: renewal records (not cancelled) and
  // cancellations apart, so eviction finds the soonest renewal at once.
  Order renewals_;
  Order cancellations_;
};

}  // namespace sts::replicas

#endif  // STS_REPLICAS_REPLICA_STATE_H_
