#include "client/soap/replay_cache.h"

#include "client/soap/fault.h"

namespace sts::soap {

absl::Status ReplayCache::Insert(absl::string_view key, absl::Time until, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    entries_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  std::string k(key);
  if (entries_.count(k) > 0) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      "the message was replayed: this signature was already accepted");
  }
  if (entries_.size() >= max_entries_) {
    return SoapRefuse(SoapFault::kInvalidSecurity,
                      "too many signed messages inside the timestamp window to detect replays");
  }
  entries_.emplace(k, until);
  by_expiry_.emplace(until, std::move(k));
  return absl::OkStatus();
}

size_t ReplayCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace sts::soap
