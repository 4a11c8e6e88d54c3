#ifndef STS_REPLICAS_REPLICA_STATE_H_
#define STS_REPLICAS_REPLICA_STATE_H_

#include <cstdint>
#include <mutex>

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

  // Marks the context cancelled, remembered at least until `keep_until`.
  virtual absl::Status Cancel(const token::TokenId& id, absl::Time keep_until) = 0;
};

// In-process shared state, for a single replica serving cookie contexts
// without Redis. Entries are dropped by Purge() once past their keep_until.
class InMemoryReplicaState final : public ReplicaState {
 public:
  absl::StatusOr<ContextState> Get(const token::TokenId& id) override;
  absl::StatusOr<uint32_t> Supersede(const token::TokenId& id, uint32_t from,
                                     absl::Time from_accept_until, absl::Time keep_until,
                                     absl::Time now) override;
  absl::Status Cancel(const token::TokenId& id, absl::Time keep_until) override;
  size_t Purge(absl::Time now);

 private:
  struct Entry {
    ContextState state;
    absl::Time keep_until;
  };
  std::mutex mu_;  // guards entries_
  absl::flat_hash_map<token::TokenId, Entry> entries_;
};

}  // namespace sts::replicas

#endif  // STS_REPLICAS_REPLICA_STATE_H_
