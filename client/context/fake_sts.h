// An in-memory StsApi for tests of code built on SecurityContext or Verifier
// without a server: Issue, Renew (checks the key and keeps superseded
// instances for a rollover window), Cancel and Validate (releases keys when
// told to), on a Clock the test moves. Failures can be injected. Thread-safe.
// The real STS's behaviour is tested end to end in tests/; this fake only
// mirrors the parts the client library depends on.
#ifndef STS_CLIENT_CONTEXT_FAKE_STS_H_
#define STS_CLIENT_CONTEXT_FAKE_STS_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/clock.h"
#include "client/context/sts_api.h"

namespace sts::context {

class FakeSts : public StsApi {
 public:
  explicit FakeSts(const Clock* clock, absl::Duration lifetime = absl::Hours(1),
                   absl::Duration rollover = absl::Minutes(5));

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Issue(
      const sts::v1::IssueRequest& request) override;
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Renew(
      const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key,
      const sts::v1::RenewRequest& request) override;
  absl::StatusOr<sts::v1::CancelResponse> Cancel(const sts::v1::SecurityContextToken& token,
                                                 absl::Span<const uint8_t> key) override;
  absl::StatusOr<sts::v1::ValidateResponse> Validate(
      const sts::v1::SecurityContextToken& token) override;

  // Injected failures: the next Renew / every Validate returns `status`
  // (OK clears it).
  void FailNextRenew(absl::Status status);
  void FailValidate(absl::Status status);
  // Whether Validate releases keys (as to the audience) or status only.
  void set_release_keys(bool release);

  int issues() const;
  int renewals() const;
  int cancels() const;
  int validations() const;

 private:
  struct Instance {
    std::string key;
    absl::Time accept_until;
  };
  struct Context {
    std::string principal = "spiffe://test.example/client";
    std::string applies_to;
    std::map<int, Instance> instances;  // by instance number
    int current = 0;
    absl::Time expires;
    bool cancelled = false;
  };

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> Answer(
      const std::string& identifier, Context& context, const sts::v1::Entropy& entropy,
      const std::string& algorithm, uint32_t key_bits, absl::Duration lifetime);

  const Clock* const clock_;
  const absl::Duration lifetime_;
  const absl::Duration rollover_;
  mutable std::mutex mu_;
  std::map<std::string, Context> contexts_;
  absl::Status fail_next_renew_;
  absl::Status fail_validate_;
  bool release_keys_ = true;
  int next_id_ = 1;
  int issues_ = 0;
  int renewals_ = 0;
  int cancels_ = 0;
  int validations_ = 0;
};

}  // namespace sts::context

#endif  // STS_CLIENT_CONTEXT_FAKE_STS_H_
