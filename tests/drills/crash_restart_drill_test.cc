// Drill: SIGKILL and restart in cookie mode. The real sts_server in
// stateless mode, with the Redis this project ships (append-only file,
// fsync always, AUTH), serves a lifecycle load (Issue, Validate, Renew,
// Cancel) and is killed without warning; a new one starts with the same
// keyset and Redis. What must hold: every context the STS acknowledged
// validates after the restart as the ledger says (valid with its keys, or
// cancelled without them), nothing ever contradicted an acknowledgement, and
// the new server takes the load at once.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/channel.h"
#include "client/sts_client.h"
#include "gtest/gtest.h"
#include "sts/cookie/master_keyset.h"
#include "tests/drills/lifecycle_load.h"
#include "tests/harness/redis_process.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

// Every lifecycle is one principal's: lift its Renew/Cancel rate limit.
constexpr char kLoadTokens[] =
    "tokens { proof_rate_per_principal: 100000 proof_burst_per_principal: 100000 }\n";

TEST(CrashRestartDrill, EveryAcknowledgedTokenAndCancellationSurvivesSigkill) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<ShippedRedis> redis = StartShippedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string keyset_path = NewTempDir("keyset") + "/keyset.textproto";
  cookie::MasterKeysetFile keyset;
  ASSERT_TRUE(cookie::AddRandomKey(&keyset).ok());
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path, keyset).ok());
  const std::string config = absl::StrCat(
      kDefaultTestPolicy, kLoadTokens, "stateless { enabled: true keyset_file: \"", keyset_path, "\" }\n",
      "redis { address: \"", redis->process->address(), "\" password_file: \"",
      redis->password_file, "\" username: \"", redis->username, "\" }\n");

  absl::StatusOr<std::unique_ptr<StsProcess>> first = StsProcess::Start(*pki, config);
  ASSERT_TRUE(first.ok()) << first.status();
  std::mutex mu;
  std::string address = (*first)->address();
  LifecycleLoad load(*pki, [&] {
    std::lock_guard<std::mutex> lock(mu);
    return address;
  }, /*threads=*/4);
  load.Start();
  // Kill it in the middle of the load, once every kind of call has been
  // acknowledged many times.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (load.lifecycles() < 40 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_GE(load.lifecycles(), 40);
  // Contexts acknowledged live at the moment of the kill: issued, some renewed.
  std::vector<sts::v1::SecurityContextToken> held;
  {
    StsClient owner(*MakeMutualTlsChannel(pki->As("client", (*first)->address())));
    for (int i = 0; i < 10; ++i) {
      sts::v1::IssueRequest request;
      request.set_applies_to("spiffe://test.example/relying-party");
      absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = owner.Issue(request);
      ASSERT_TRUE(r.ok()) << r.status();
      if (i % 2 == 0) {
        r = owner.Renew(r->requested_security_token(),
                        crypto::AsBytes(r->requested_proof_token().binary_secret().value()));
        ASSERT_TRUE(r.ok()) << r.status();
      }
      held.push_back(r->requested_security_token());
    }
  }
  (*first)->Kill();

  absl::StatusOr<std::unique_ptr<StsProcess>> second = StsProcess::Start(*pki, config);
  ASSERT_TRUE(second.ok()) << second.status();
  {
    std::lock_guard<std::mutex> lock(mu);
    address = (*second)->address();
  }
  // The load finds the new server and completes lifecycles there.
  const int before = load.lifecycles();
  while (load.lifecycles() < before + 20 && absl::Now() < deadline + absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  load.Stop();
  EXPECT_GE(load.lifecycles(), before + 20) << "the restarted server did not take the load";
  EXPECT_EQ(load.violations(), 0);
  for (const auto& [outcome, n] : load.outcomes()) {
    // Calls cut by the kill fail; nothing else may.
    const bool allowed = absl::StrContains(outcome, " OK") ||
                         absl::StartsWith(outcome, "Validate valid") ||
                         absl::StartsWith(outcome, "Validate cancelled") ||
                         absl::StrContains(outcome, "UNAVAILABLE");
    EXPECT_TRUE(allowed) << n << " x " << outcome;
  }

  // Every acknowledged context, as the restarted server sees it.
  StsClient audience(*MakeMutualTlsChannel(pki->As("audience", (*second)->address())));
  int live = 0, cancelled = 0;
  for (const LifecycleLoad::Acknowledged& context : load.ledger()) {
    absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(context.token);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_FALSE(v->revocation_state_unknown());
    if (context.cancelled) {
      ++cancelled;
      EXPECT_EQ(v->status().reason(), "cancelled") << context.token.identifier();
      EXPECT_EQ(v->keys_size(), 0);
    } else {
      ++live;
      EXPECT_EQ(v->status().reason(), "valid") << context.token.identifier();
      EXPECT_GE(v->keys_size(), 1);
    }
  }
  EXPECT_GE(cancelled, 40);
  for (const sts::v1::SecurityContextToken& token : held) {
    absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(token);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->status().reason(), "valid") << token.identifier();
    EXPECT_GE(v->keys_size(), 1);
    ++live;
  }
  absl::StatusOr<int> code = (*second)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace sts::testing
