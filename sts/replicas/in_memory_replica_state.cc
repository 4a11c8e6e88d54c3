#include <algorithm>

#include "absl/container/flat_hash_map.h"

#include "client/wire/fault.h"
#include "sts/replicas/replica_state.h"

namespace sts::replicas {

absl::StatusOr<ContextState> InMemoryReplicaState::Get(const token::TokenId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? ContextState() : it->second.state;
}

absl::StatusOr<uint32_t> InMemoryReplicaState::Supersede(const token::TokenId& id,
                                                        uint32_t from,
                                                        absl::Time from_accept_until,
                                                        absl::Time keep_until, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[id];
  if (entry.state.cancelled) {
    return wire::Refuse(wire::Refusal::kCancelledContext, "the security context was cancelled");
  }
  entry.state.current_instance = std::max(entry.state.current_instance, from) + 1;
  entry.state.superseded_until.try_emplace(from, from_accept_until);
  absl::erase_if(entry.state.superseded_until,
                 [now](const auto& window) { return window.second <= now; });
  entry.keep_until = std::max(entry.keep_until, keep_until);
  return entry.state.current_instance;
}

absl::Status InMemoryReplicaState::Cancel(const token::TokenId& id, absl::Time keep_until) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = entries_[id];
  entry.state.cancelled = true;
  entry.keep_until = std::max(entry.keep_until, keep_until);
  return absl::OkStatus();
}

size_t InMemoryReplicaState::Purge(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t purged = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto current = it++;
    if (current->second.keep_until <= now) {
      entries_.erase(current);
      ++purged;
    }
  }
  return purged;
}

}  // namespace sts::replicas
