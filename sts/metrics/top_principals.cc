#include "sts/metrics/top_principals.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "sts/metrics/families.h"

namespace sts::metrics {

// Four times N per shard keeps the N busiest monitored under any traffic in
// which they stand out at all, at a few kilobytes.
TopPrincipals::TopPrincipals(size_t n)
    : n_(std::max<size_t>(1, n)), per_shard_(std::max<size_t>(8, 4 * n_)) {}

void TopPrincipals::Add(absl::string_view principal) {
  total_.fetch_add(1, std::memory_order_relaxed);
  Shard& shard = shards_[absl::Hash<absl::string_view>()(principal) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  if (auto it = shard.index.find(principal); it != shard.index.end()) {
    ++shard.counters[it->second].count;
    return;
  }
  if (shard.counters.size() < per_shard_) {
    shard.index.emplace(std::string(principal), shard.counters.size());
    shard.counters.push_back({std::string(principal), 1, 0});
    return;
  }
  size_t least = 0;
  for (size_t i = 1; i < shard.counters.size(); ++i) {
    if (shard.counters[i].count < shard.counters[least].count) least = i;
  }
  Counter& replaced = shard.counters[least];
  shard.index.erase(replaced.principal);
  replaced.principal = std::string(principal);
  replaced.error = replaced.count;
  ++replaced.count;
  shard.index.emplace(replaced.principal, least);
}

std::vector<TopPrincipals::Entry> TopPrincipals::Top() const {
  std::vector<Entry> all;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const Counter& c : shard.counters) {
      if (c.count > c.error) all.push_back({c.principal, c.count - c.error});
    }
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return a.count != b.count ? a.count > b.count : a.principal < b.principal;
  });
  if (all.size() > n_) all.resize(n_);
  return all;
}

std::vector<prometheus::MetricFamily> TopPrincipals::Collect() const {
  // The total is read first: the shards may have counted a few more by the
  // time they are read, so "_other" is clamped at zero rather than wrapped.
  const uint64_t total = this->total();
  auto family = Family("sts_issued_by_principal_total",
                       "contexts issued, for the busiest principals by name and the rest as _other",
                       prometheus::MetricType::Counter);
  uint64_t named = 0;
  for (const Entry& e : Top()) {
    AddCounter(&family, {{"principal", e.principal}}, static_cast<double>(e.count));
    named += e.count;
  }
  AddCounter(&family, {{"principal", "_other"}},
             static_cast<double>(total > named ? total - named : 0));
  return {std::move(family)};
}

}  // namespace sts::metrics
