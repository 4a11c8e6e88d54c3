#ifndef STS_POLICY_POLICY_HOLDER_H_
#define STS_POLICY_POLICY_HOLDER_H_

#include <memory>
#include <mutex>

#include "sts/policy/policy.h"

namespace sts::policy {

// The policy in force, replaceable while the STS serves (a reloaded policy
// file). A call takes the current policy once and decides with it, so a
// replacement never changes a decision half-way. Thread safe.
class PolicyHolder {
 public:
  explicit PolicyHolder(Policy initial)
      : current_(std::make_shared<const Policy>(std::move(initial))) {}

  std::shared_ptr<const Policy> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  void Set(Policy replacement) {
    auto next = std::make_shared<const Policy>(std::move(replacement));
    std::lock_guard<std::mutex> lock(mu_);
    current_.swap(next);
  }

 private:
  mutable std::mutex mu_;  // guards current_
  std::shared_ptr<const Policy> current_;
};

}  // namespace sts::policy

#endif  // STS_POLICY_POLICY_HOLDER_H_
