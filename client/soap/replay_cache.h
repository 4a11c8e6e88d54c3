// The signatures a SOAP receiver has accepted, remembered for as long as
// their timestamp could still be accepted, so that the same signed message
// is accepted once.
//
// Contract: thread-safe. Bounded: expired entries are dropped first; when
// max_entries are all still live, new messages are refused
// (wsse:InvalidSecurity) rather than old ones forgotten, as the STS's own
// replay cache does, so a flood cannot make a replay pass.
#ifndef STS_CLIENT_SOAP_REPLAY_CACHE_H_
#define STS_CLIENT_SOAP_REPLAY_CACHE_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::soap {

class ReplayCache {
 public:
  explicit ReplayCache(size_t max_entries) : max_entries_(max_entries) {}

  // OK the first time `key` is seen (it is then remembered until `until`);
  // wsse:InvalidSecurity when it was seen and not yet forgotten, or when the
  // cache is full of live entries.
  absl::Status Insert(absl::string_view key, absl::Time until, absl::Time now);

  size_t size() const;

 private:
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, absl::Time> entries_;  // guarded by mu_
  std::multimap<absl::Time, std::string> by_expiry_;    // guarded by mu_
};

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_REPLAY_CACHE_H_
