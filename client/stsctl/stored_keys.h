// The remembered context's keys, as protect::InstanceKeys, for the commands
// that protect or check messages without the STS (sign, seal, verify, open).
#ifndef STS_CLIENT_STSCTL_STORED_KEYS_H_
#define STS_CLIENT_STSCTL_STORED_KEYS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"

namespace sts::stsctl {

struct StoredKeys {
  struct Previous {
    std::shared_ptr<const protect::InstanceKeys> keys;
    absl::Time accept_until;
  };
  std::shared_ptr<const protect::InstanceKeys> current;
  absl::Time expires;              // of the current instance
  std::vector<Previous> previous;  // superseded, inside their rollover window
};

// Loads the state file at `path`; wst:InvalidSecurityToken once cancelled.
absl::StatusOr<StoredKeys> LoadStoredKeys(const std::string& path);

// Resolves messages under the remembered context as its holder: the current
// instance until it expires, superseded ones until their rollover window
// ends (docs/PROTECTED_MESSAGE.md section 5).
class StoredResolver final : public protect::KeyResolver {
 public:
  explicit StoredResolver(StoredKeys stored) : stored_(std::move(stored)) {}
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;

 private:
  const StoredKeys stored_;
};

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_STORED_KEYS_H_
