// The remembered context's key, as protect::InstanceKeys, for the commands
// that protect or check messages without the STS (sign, seal, verify, open).
#ifndef STS_CLIENT_STSCTL_STORED_KEYS_H_
#define STS_CLIENT_STSCTL_STORED_KEYS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"

namespace sts::stsctl {

struct StoredKeys {
  std::shared_ptr<const protect::InstanceKeys> keys;
  absl::Time expires;
};

// Loads the state file at `path`.
absl::StatusOr<StoredKeys> LoadStoredKeys(const std::string& path);

// Resolves messages under the remembered context: its one instance, until it
// expires.
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
