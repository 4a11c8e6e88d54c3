// What the fuzz targets and their seed maker agree on: one security context
// with fixed keys, the fixed time messages are made and checked at, and a
// KeyResolver holding those keys. The keys are test values, never secret:
// fixed so that a seed made once (make_seeds.cc) still verifies every time a
// target runs it.
//
//   context   kIdentifier, instance "1", held by sts::testing::kInProcessClient
//             for the audience sts::testing::kInProcessAudience
//   keys      kResolved, what the resolver answers first; kRefreshed, what it
//             answers when asked again after a tag did not verify (the STS
//             had replaced the key the receiver cached)
#ifndef STS_TESTS_FUZZ_FIXED_CONTEXT_H_
#define STS_TESTS_FUZZ_FIXED_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"
#include "sts/v1/token.pb.h"

namespace sts::fuzz {

inline constexpr char kIdentifier[] = "urn:uuid:6a1f3c52-9d0e-4b7a-8c21-f0e4d3b2a190";
inline constexpr char kMessageAd[] = "/example.v1.Inventory/Reserve";

// The time every target's clock shows (FakeClock's default start).
absl::Time FixedNow();

enum class FixedKeyKind { kResolved, kRefreshed };

// The context key: 32 fixed bytes, distinct per kind.
crypto::SecretBytes FixedKey(FixedKeyKind kind);

// The prepared keys of instance "1" of the fixed context under `kind`'s key.
// Made once; shared.
std::shared_ptr<const protect::InstanceKeys> FixedInstance(FixedKeyKind kind);

// Resolves the fixed context: instance "1" (or "", the current one) to the
// kResolved keys; any other instance is wsc:UnknownDerivationSource, any
// other identifier wsc:BadContextToken. With `refresh`, Refresh answers the
// kRefreshed keys; without, nothing fresher.
class FixedResolver final : public protect::KeyResolver {
 public:
  explicit FixedResolver(bool refresh) : refresh_(refresh) {}
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) override;
  void Authenticated(const sts::v1::SecurityContextToken& token, absl::Time now) override {
    ++authenticated_;
  }
  int authenticated() const { return authenticated_; }

 private:
  const bool refresh_;
  int authenticated_ = 0;
};

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_FIXED_CONTEXT_H_
