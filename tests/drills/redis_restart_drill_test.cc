// Drill: Redis killed and restarted under load. One sts_server in cookie
// mode on the Redis this project ships (append-only file, fsync always,
// AUTH) serves a lifecycle load; Redis is killed (SIGKILL), stays away a
// while, and comes back on the same port and directory. What must hold:
// while it is away Issue still works, Validate answers are provisional and
// release no keys, Renew and Cancel fail closed (UNAVAILABLE,
// wst:RequestFailed); nothing contradicts an acknowledgement; once it is
// back, the load succeeds again within a bound; every cancellation
// acknowledged before the kill is still in force.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

constexpr absl::Duration kRecoveryBound = absl::Seconds(10);

// Waits until `load` has completed `more` further lifecycles.
bool AwaitLifecycles(const LifecycleLoad& load, int more, absl::Duration bound) {
  const int target = load.lifecycles() + more;
  const absl::Time deadline = absl::Now() + bound;
  while (load.lifecycles() < target && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  return load.lifecycles() >= target;
}

TEST(RedisRestartDrill, OutageFailsClosedAndRecoveryLosesNoCancellation) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<ShippedRedis> redis = StartShippedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string keyset_path = NewTempDir("keyset") + "/keyset.textproto";
  cookie::MasterKeysetFile keyset;
  ASSERT_TRUE(cookie::AddRandomKey(&keyset).ok());
  ASSERT_TRUE(cookie::WriteKeysetFile(keyset_path, keyset).ok());
  absl::StatusOr<std::unique_ptr<StsProcess>> sts = StsProcess::Start(
      *pki, absl::StrCat(kDefaultTestPolicy, kLoadTokens, "stateless { enabled: true keyset_file: \"",
                         keyset_path, "\" }\n", "redis { address: \"",
                         redis->process->address(), "\" password_file: \"",
                         redis->password_file, "\" username: \"", redis->username, "\" }\n"));
  ASSERT_TRUE(sts.ok()) << sts.status();
  const std::string address = (*sts)->address();
  LifecycleLoad load(*pki, [&] { return address; }, /*threads=*/4);
  load.Start();
  ASSERT_TRUE(AwaitLifecycles(load, 30, absl::Seconds(60)));
  const size_t acknowledged_before = load.ledger().size();

  redis->process->Stop();
  // Away long enough for every kind of call to meet the outage.
  const absl::Time away_until = absl::Now() + absl::Seconds(3);
  while (absl::Now() < away_until) absl::SleepFor(absl::Milliseconds(50));
  const int fail_closed = load.count("Renew UNAVAILABLE wst:RequestFailed") +
                          load.count("Cancel UNAVAILABLE wst:RequestFailed");
  EXPECT_GT(fail_closed, 0) << "the outage was not seen";
  EXPECT_GT(load.count("Validate valid, revocation state unknown, no keys"), 0);

  ASSERT_TRUE(redis->process->Restart().ok());
  const absl::Time back = absl::Now();
  EXPECT_TRUE(AwaitLifecycles(load, 20, kRecoveryBound))
      << "no recovery within " << kRecoveryBound;
  const absl::Duration recovery = absl::Now() - back;
  load.Stop();
  std::printf("recovery after Redis restart: 20 lifecycles in %s\n",
              absl::FormatDuration(recovery).c_str());

  EXPECT_EQ(load.violations(), 0);
  for (const auto& [outcome, n] : load.outcomes()) {
    const bool allowed = absl::EndsWith(outcome, " OK") ||
                         outcome == "Renew UNAVAILABLE wst:RequestFailed" ||
                         outcome == "Cancel UNAVAILABLE wst:RequestFailed" ||
                         outcome == "Validate valid" || outcome == "Validate cancelled, no keys" ||
                         outcome == "Validate valid, revocation state unknown, no keys";
    EXPECT_TRUE(allowed) << n << " x " << outcome;
  }

  // Every cancellation acknowledged, before the kill or after, is in force.
  StsClient audience(*MakeMutualTlsChannel(pki->As("audience", address)));
  const std::vector<LifecycleLoad::Acknowledged> ledger = load.ledger();
  ASSERT_GT(ledger.size(), acknowledged_before);
  for (const LifecycleLoad::Acknowledged& context : ledger) {
    absl::StatusOr<sts::v1::ValidateResponse> v = audience.Validate(context.token);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_FALSE(v->revocation_state_unknown());
    EXPECT_EQ(v->status().reason(), context.cancelled ? "cancelled" : "valid")
        << context.token.identifier();
  }
  absl::StatusOr<int> code = (*sts)->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace sts::testing
