#include "sts/keyring/intern_table.h"

#include "absl/hash/hash.h"

namespace sts::keyring {

InternTable::Shard& InternTable::ShardFor(absl::string_view value) {
  return shards_[absl::Hash<absl::string_view>()(value) % kShards];
}

Interned* InternTable::Acquire(absl::string_view value) {
  Shard& shard = ShardFor(value);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(value);
  if (it == shard.entries.end()) {
    auto entry = std::make_unique<Interned>();
    entry->value = std::string(value);
    // The map's key views the entry's own string, which never moves.
    it = shard.entries.emplace(absl::string_view(entry->value), std::move(entry)).first;
  }
  ++it->second->refs;
  return it->second.get();
}

void InternTable::Release(Interned* entry) {
  if (entry == nullptr) return;
  Shard& shard = ShardFor(entry->value);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (--entry->refs == 0) shard.entries.erase(absl::string_view(entry->value));
}

size_t InternTable::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace sts::keyring
