#include "client/protect/replay.h"

#include <algorithm>
#include <cassert>

#include "absl/hash/hash.h"
#include "client/wire/fault.h"

namespace sts::protect {

using wire::Refusal;
using wire::Refuse;

SequenceWindow::Result SequenceWindow::Accept(uint64_t sequence) {
  if (!any_) {
    any_ = true;
    highest_ = sequence;
    Set(sequence);
    return Result::kAccepted;
  }
  if (sequence > highest_) {
    const uint64_t shift = sequence - highest_;
    if (shift >= kSize) {
      bits_.fill(0);
    } else {
      // The numbers the window slides over become unseen.
      for (uint64_t s = highest_ + 1; s != sequence; ++s) Clear(s);
    }
    highest_ = sequence;
    Set(sequence);
    return Result::kAccepted;
  }
  if (highest_ - sequence >= kSize) return Result::kTooOld;
  if (Test(sequence)) return Result::kReplayed;
  Set(sequence);
  return Result::kAccepted;
}

ReplayGuard::ReplayGuard(absl::Duration timestamp_window, size_t max_windows)
    : idle_limit_(2 * timestamp_window),
      max_per_shard_(std::max<size_t>(1, max_windows / kShards)) {}

absl::Status ReplayGuard::Accept(absl::string_view identifier, Direction direction,
                                 uint64_t sequence, absl::Time now) {
  // One hash for both the shard and the lookup: the map's own hasher for
  // std::string keys is absl::Hash<absl::string_view>, so the value can be
  // handed to find(). The shard takes the top bits, because the table keeps
  // the low seven (H2) in its control bytes: a shard chosen by low bits would
  // leave its entries fewer distinct H2 values and lengthen probes.
  static_assert(kShards == 16, "the shard is the hash's top four bits");
  const size_t hash = absl::Hash<absl::string_view>()(identifier);
  Shard& shard = shards_[hash >> (8 * sizeof(size_t) - 4)];
  assert(hash == shard.windows.hash_function()(identifier));
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.windows.find(identifier, hash);
  if (it == shard.windows.end()) {
    if (shard.windows.size() >= max_per_shard_) {
      const absl::Time horizon = now - idle_limit_;
      absl::erase_if(shard.windows,
                     [horizon](const auto& entry) { return entry.second.last_accept < horizon; });
      if (shard.windows.size() >= max_per_shard_) {
        return Refuse(Refusal::kQuotaExceeded,
                      "replay cache full of live contexts; try again later");
      }
    }
    it = shard.windows.emplace(std::string(identifier), Windows()).first;
  }
  Windows& windows = it->second;
  switch (windows.direction[direction == Direction::kClientToServer ? 0 : 1].Accept(sequence)) {
    case SequenceWindow::Result::kAccepted:
      windows.last_accept = std::max(windows.last_accept, now);
      return absl::OkStatus();
    case SequenceWindow::Result::kReplayed:
      return Refuse(Refusal::kBadProof, "replayed message (sequence number already accepted)");
    case SequenceWindow::Result::kTooOld:
      break;
  }
  return Refuse(Refusal::kBadProof,
                "replayed or too late: the sequence number is below the replay window");
}

size_t ReplayGuard::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.windows.size();
  }
  return n;
}

}  // namespace sts::protect
