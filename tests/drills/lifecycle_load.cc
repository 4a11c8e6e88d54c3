#include "tests/drills/lifecycle_load.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/crypto/secret_bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"

namespace sts::testing {
namespace {

constexpr char kAudience[] = "spiffe://test.example/relying-party";

std::string Describe(absl::string_view op, const absl::Status& status) {
  if (status.ok()) return absl::StrCat(op, " OK");
  std::string out = absl::StrCat(op, " ", absl::StatusCodeToString(status.code()));
  if (const std::string fault = wire::FaultNameOf(status); !fault.empty()) {
    absl::StrAppend(&out, " ", fault);
  }
  return out;
}

}  // namespace

LifecycleLoad::LifecycleLoad(const TestPki& pki, std::function<std::string()> address,
                             int threads, absl::Duration call_timeout)
    : pki_(pki), address_(std::move(address)), threads_(threads), call_timeout_(call_timeout) {}

LifecycleLoad::~LifecycleLoad() { Stop(); }

void LifecycleLoad::Start() {
  stop_ = false;
  for (int i = 0; i < threads_; ++i) running_.emplace_back([this] { Run(); });
}

void LifecycleLoad::Stop() {
  stop_ = true;
  for (std::thread& t : running_) t.join();
  running_.clear();
}

void LifecycleLoad::Note(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++outcomes_[outcome];
}

void LifecycleLoad::Settle(const Acknowledged& context) {
  std::lock_guard<std::mutex> lock(mu_);
  ledger_.push_back(context);
}

std::map<std::string, int> LifecycleLoad::outcomes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outcomes_;
}

int LifecycleLoad::count(const std::string& outcome) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = outcomes_.find(outcome);
  return it == outcomes_.end() ? 0 : it->second;
}

int LifecycleLoad::violations() const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [outcome, count] : outcomes_) {
    if (absl::StartsWith(outcome, "VIOLATION")) n += count;
  }
  return n;
}

std::vector<LifecycleLoad::Acknowledged> LifecycleLoad::ledger() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ledger_;
}

void LifecycleLoad::Run() {
  while (!stop_) {
    const std::string address = address_();
    absl::StatusOr<std::shared_ptr<grpc::Channel>> owner_channel =
        MakeMutualTlsChannel(pki_.As("client", address));
    absl::StatusOr<std::shared_ptr<grpc::Channel>> audience_channel =
        MakeMutualTlsChannel(pki_.As("audience", address));
    if (!owner_channel.ok() || !audience_channel.ok()) {
      Note("channel " + std::string(owner_channel.ok() ? audience_channel.status().message()
                                                       : owner_channel.status().message()));
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    const StsClient owner(*owner_channel, Clock::Real(), call_timeout_);
    const StsClient audience(*audience_channel, Clock::Real(), call_timeout_);

    // The audience's view of `context`, checked against what was acknowledged.
    auto validate = [&](const Acknowledged& context) {
      absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(context.token);
      if (!v.ok()) {
        Note(Describe("Validate", v.status()));
        return false;
      }
      const bool provisional = v->revocation_state_unknown();
      const std::string& reason = v->status().reason();
      const bool keys = v->keys_size() > 0;
      std::string outcome = absl::StrCat("Validate ", reason,
                                         provisional ? ", revocation state unknown" : "",
                                         keys ? "" : ", no keys");
      const bool violation = context.cancelled ? (reason == "valid" && (keys || !provisional))
                                               : (reason != "valid" || (!keys && !provisional));
      Note(violation ? absl::StrCat("VIOLATION ", context.cancelled ? "cancelled" : "live",
                                    " context: ", outcome)
                     : outcome);
      return true;
    };

    // One lifecycle; false when a call failed (then reconnect after a few).
    auto lifecycle = [&]() -> bool {
      sts::v1::IssueRequest request;
      request.set_applies_to(kAudience);
      absl::StatusOr<sts::v1::RequestSecurityTokenResponse> issued = owner.Issue(request);
      Note(Describe("Issue", issued.status()));
      if (!issued.ok()) return false;
      Acknowledged context{issued->requested_security_token(), false};
      absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(*issued);
      if (!key.ok()) {
        Note("VIOLATION Issue answered without a key");
        return false;
      }
      if (stop_ || !validate(context)) {
        Settle(context);
        return false;
      }
      absl::StatusOr<sts::v1::RequestSecurityTokenResponse> renewed =
          owner.Renew(context.token, key->span());
      Note(Describe("Renew", renewed.status()));
      if (!renewed.ok()) return false;  // in doubt: not in the ledger
      context.token = renewed->requested_security_token();
      key = KeyFromResponse(*renewed);
      if (!key.ok()) {
        Note("VIOLATION Renew answered without a key");
        return false;
      }
      if (stop_ || !validate(context)) {
        Settle(context);
        return false;
      }
      absl::StatusOr<sts::v1::CancelResponse> cancelled = owner.Cancel(context.token, key->span());
      Note(Describe("Cancel", cancelled.status()));
      if (!cancelled.ok()) return false;  // in doubt
      context.cancelled = true;
      Settle(context);
      if (!validate(context)) return false;
      ++lifecycles_;
      return true;
    };

    for (int failures = 0; !stop_ && failures < 3;) {
      if (lifecycle()) {
        failures = 0;
      } else {
        ++failures;
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  }
}

}  // namespace sts::testing
