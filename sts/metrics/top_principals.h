#ifndef STS_METRICS_TOP_PRINCIPALS_H_
#define STS_METRICS_TOP_PRINCIPALS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"

namespace sts::metrics {

// Issuance per principal with bounded cardinality: the N principals that
// were issued the most contexts, by name, and everyone else summed under
// principal="_other" (no principal is spelt so: every principal has a kind,
// spiffe://, dns: or cn:). Exposed as
//   sts_issued_by_principal_total{principal}   counter
// The label values over one scrape always add up to every context issued.
//
// A principal's count is a lower bound from a space-saving sketch
// (Metwally, Agrawal, El Abbadi, 2005): a fixed number of monitored
// principals per shard, the least counted one replaced when a new principal
// arrives, its count inherited as the newcomer's possible error. Any
// principal issued more than total/capacity contexts is monitored, and the
// exposed count (count minus error) never exceeds its true one. When the
// ranking changes, a principal's series can appear or vanish and "_other"
// can fall; PromQL's rate() reads such a fall as a counter reset.
//
// Add is one hash, one shard lock (shards keep serving threads apart) and a
// map look-up; a new principal in a full shard also scans that shard. Memory
// is fixed by N, whatever the number of principals. Thread safe.
class TopPrincipals final : public prometheus::Collectable {
 public:
  // Exposes the `n` busiest (n >= 1).
  explicit TopPrincipals(size_t n);

  void Add(absl::string_view principal);

  struct Entry {
    std::string principal;
    uint64_t count = 0;  // a lower bound of its issues
  };
  // The n busiest principals, busiest first.
  std::vector<Entry> Top() const;
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  static constexpr size_t kShards = 8;
  struct Counter {
    std::string principal;
    uint64_t count = 0;
    uint64_t error = 0;
  };
  // Padded rather than alignas(64): a cache line between two shards' locks
  // keeps serving threads apart either way, and an over-aligned type breaks
  // wherever its storage ignores the alignment (under --config=asan a
  // TopPrincipals on a test's stack came out 32-byte aligned, which UBSan
  // reports).
  struct Shard {
    mutable std::mutex mu;  // guards the two below
    std::vector<Counter> counters;
    absl::flat_hash_map<std::string, size_t> index;  // principal -> counters[i]
    char padding[64];
  };

  const size_t n_;
  const size_t per_shard_;
  std::atomic<uint64_t> total_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace sts::metrics

#endif  // STS_METRICS_TOP_PRINCIPALS_H_
