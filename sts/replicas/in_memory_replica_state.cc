#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "client/wire/fault.h"
#include "sts/replicas/replica_state.h"

namespace sts::replicas {

InMemoryReplicaState::InMemoryReplicaState(size_t max_entries)
    : max_entries_(std::max<size_t>(1, max_entries)) {}

absl::StatusOr<ContextState> InMemoryReplicaState::Get(const token::TokenId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? ContextState() : it->second.state;
}

size_t InMemoryReplicaState::PurgeLocked(absl::Time now) {
  size_t purged = 0;
  for (Order* order : {&renewals_, &cancellations_}) {
    while (!order->empty() && order->begin()->first <= now) {
      entries_.erase(token::TokenId::FromBytes(order->begin()->second));
      order->erase(order->begin());
      ++purged;
    }
  }
  return purged;
}

InMemoryReplicaState::Entry* InMemoryReplicaState::FindOrCreate(const token::TokenId& id,
                                                                absl::Time now, bool evict) {
  auto it = entries_.find(id);
  if (it != entries_.end()) return &it->second;
  if (entries_.size() >= max_entries_) PurgeLocked(now);
  if (entries_.size() >= max_entries_) {
    if (!evict || renewals_.empty()) return nullptr;
    entries_.erase(token::TokenId::FromBytes(renewals_.begin()->second));
    renewals_.erase(renewals_.begin());
  }
  Entry& entry = entries_[id];
  entry.keep_until = absl::InfinitePast();
  renewals_.emplace(entry.keep_until, id.bytes());
  return &entry;
}

void InMemoryReplicaState::Reindex(const token::TokenId& id, const Entry& before,
                                   const Entry& after) {
  (before.state.cancelled ? cancellations_ : renewals_).erase({before.keep_until, id.bytes()});
  (after.state.cancelled ? cancellations_ : renewals_).emplace(after.keep_until, id.bytes());
}

absl::StatusOr<uint32_t> InMemoryReplicaState::Supersede(const token::TokenId& id,
                                                        uint32_t from,
                                                        absl::Time from_accept_until,
                                                        absl::Time keep_until, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* entry = FindOrCreate(id, now, /*evict=*/false);
  if (entry == nullptr) {
    return wire::Refuse(wire::Refusal::kQuotaExceeded,
                        "this STS holds as many renewed and cancelled contexts as it may "
                        "(stateless.max_in_process_entries); retry later");
  }
  if (entry->state.cancelled) {
    return wire::Refuse(wire::Refusal::kCancelledContext, "the security context was cancelled");
  }
  const Entry before{{}, entry->keep_until};
  entry->state.current_instance = std::max(entry->state.current_instance, from) + 1;
  entry->state.superseded_until.try_emplace(from, from_accept_until);
  absl::erase_if(entry->state.superseded_until,
                 [now](const auto& window) { return window.second <= now; });
  entry->keep_until = std::max(entry->keep_until, keep_until);
  Reindex(id, before, *entry);
  return entry->state.current_instance;
}

absl::Status InMemoryReplicaState::Cancel(const token::TokenId& id, absl::Time keep_until,
                                          absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* entry = FindOrCreate(id, now, /*evict=*/true);
  if (entry == nullptr) {
    return wire::Refuse(wire::Refusal::kQuotaExceeded,
                        "this STS holds as many cancelled contexts as it may "
                        "(stateless.max_in_process_entries): the context was NOT cancelled; "
                        "retry later");
  }
  Entry before{{}, entry->keep_until};
  before.state.cancelled = entry->state.cancelled;
  entry->state.cancelled = true;
  entry->keep_until = std::max(entry->keep_until, keep_until);
  Reindex(id, before, *entry);
  return absl::OkStatus();
}

size_t InMemoryReplicaState::Purge(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  return PurgeLocked(now);
}

size_t InMemoryReplicaState::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace sts::replicas
