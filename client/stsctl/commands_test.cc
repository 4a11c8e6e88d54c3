// The stsctl commands (all but health, which needs a gRPC server) against the
// real STS logic in process on a fake clock: what they print, what they store,
// and how they refuse bad input.
#include "client/stsctl/command.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "client/clock.h"
#include "client/stsctl/args.h"
#include "client/stsctl/state.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"

namespace sts::stsctl {
namespace {

class CommandsTest : public ::testing::Test {
 protected:
  struct Result {
    int code;
    std::string out;
    std::string err;
  };

  Result Run(const std::string& command, std::map<std::string, std::string> values = {},
             std::set<std::string> switches = {}, const std::string& input = "",
             context::StsApi* sts = nullptr) {
    Args args;
    args.command = command;
    args.values = std::move(values);
    args.values.emplace("state", state_);
    args.switches = std::move(switches);
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    const Env env{args, in, out, err, &clock_};
    context::StsApi& api = sts != nullptr ? *sts : *client_;
    int code = 2;
    if (command == "issue") code = RunIssue(env, api);
    if (command == "renew") code = RunRenew(env, api);
    if (command == "cancel") code = RunCancel(env, api);
    if (command == "validate") code = RunValidate(env, api);
    if (command == "sign" || command == "seal") code = RunProtect(env, command == "seal");
    if (command == "verify" || command == "open") {
      code = RunCheck(env, command == "open", args.Has("resolve") ? &api : nullptr);
    }
    return {code, out.str(), err.str()};
  }

  FakeClock clock_;
  std::unique_ptr<testing::InProcessSts> sts_ = *testing::InProcessSts::Create(&clock_);
  std::shared_ptr<testing::InProcessStsClient> client_ =
      sts_->ClientAs(testing::kInProcessClient);
  std::shared_ptr<testing::InProcessStsClient> audience_ =
      sts_->ClientAs(testing::kInProcessAudience);
  // One state file per test.
  const std::string state_ =
      std::string(std::getenv("TEST_TMPDIR")) + "/stsctl/" +
      ::testing::UnitTest::GetInstance()->current_test_info()->name();
};

TEST_F(CommandsTest, IssueRenewValidateCancelThroughTheStoredContext) {
  Result issued = Run("issue", {{"applies-to", testing::kInProcessAudience}, {"key-size", "128"}});
  ASSERT_EQ(issued.code, 0) << issued.err;
  EXPECT_TRUE(absl::StrContains(issued.out, "instance:   1\n"));
  EXPECT_TRUE(absl::StrContains(issued.out, "key_size:   128\n"));
  EXPECT_FALSE(absl::StrContains(issued.out, "key_hex"));  // only with --show-key

  Result renewed = Run("renew", {}, {"entropy"});
  ASSERT_EQ(renewed.code, 0) << renewed.err;
  EXPECT_TRUE(absl::StrContains(renewed.out, "instance:   2\n"));
  EXPECT_TRUE(absl::StrContains(renewed.out, "computed on both sides"));

  Result valid = Run("validate");
  EXPECT_EQ(valid.code, 0) << valid.err;
  EXPECT_TRUE(absl::StrContains(valid.out, "status:     valid (valid)\n"));
  EXPECT_TRUE(absl::StrContains(valid.out, "keys:       2 released\n"));

  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> stored = LoadContext(state_);
  ASSERT_TRUE(stored.ok());
  const std::string identifier = stored->requested_security_token().identifier();
  Result cancelled = Run("cancel");
  EXPECT_EQ(cancelled.code, 0) << cancelled.err;
  Result after = Run("validate", {{"identifier", identifier}});
  EXPECT_EQ(after.code, 3);
  EXPECT_TRUE(absl::StrContains(after.out, "invalid (cancelled)"));
}

TEST_F(CommandsTest, SignedAndSealedMessagesCheckAsHolderAndAsRelyingParty) {
  ASSERT_EQ(Run("issue", {{"applies-to", testing::kInProcessAudience}}).code, 0);
  Result sealed = Run("seal", {{"ad", "/svc/Method"}}, {"base64"}, "secret payload");
  ASSERT_EQ(sealed.code, 0) << sealed.err;
  EXPECT_FALSE(absl::StrContains(sealed.out, "secret payload"));
  Result opened = Run("open", {{"ad", "/svc/Method"}}, {"base64"}, sealed.out);
  ASSERT_EQ(opened.code, 0) << opened.err;
  EXPECT_EQ(opened.out, "secret payload");

  Result signed_message = Run("sign", {}, {}, "hello");
  ASSERT_EQ(signed_message.code, 0);
  Result resolved =
      Run("verify", {}, {"resolve"}, signed_message.out, audience_.get());
  ASSERT_EQ(resolved.code, 0) << resolved.err;
  EXPECT_EQ(resolved.out, "hello");
  EXPECT_TRUE(absl::StrContains(resolved.err, testing::kInProcessClient));
}

TEST_F(CommandsTest, BadInputIsRefusedWithTheReason) {
  Result bad_size = Run("issue", {{"key-size", "256bits"}});
  EXPECT_EQ(bad_size.code, 1);
  EXPECT_TRUE(absl::StrContains(bad_size.err, "--key-size")) << bad_size.err;
  Result no_state = Run("renew");
  EXPECT_EQ(no_state.code, 1);
  EXPECT_TRUE(absl::StrContains(no_state.err, "no stored context")) << no_state.err;

  ASSERT_EQ(Run("issue").code, 0);
  Result garbage = Run("verify", {}, {"base64"}, "not base64 at all!");
  EXPECT_EQ(garbage.code, 1);
  EXPECT_TRUE(absl::StrContains(garbage.err, "wst:InvalidRequest")) << garbage.err;
  Result message = Run("sign", {}, {}, "hello");
  std::string tampered = message.out;
  tampered.back() ^= 1;
  Result refused = Run("verify", {}, {}, tampered);
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "wst:")) << refused.err;
  // An expired context signs nothing.
  clock_.Advance(absl::Hours(2));
  Result expired = Run("sign", {}, {}, "late");
  EXPECT_EQ(expired.code, 1);
  EXPECT_TRUE(absl::StrContains(expired.err, "wsc:RenewNeeded")) << expired.err;
}

TEST_F(CommandsTest, ACancelledContextIsKeptWithoutItsKeySoValidateAsksTheSts) {
  ASSERT_EQ(Run("issue", {{"applies-to", testing::kInProcessAudience}}).code, 0);
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> first = LoadContext(state_);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string first_key = first->requested_proof_token().binary_secret().value();
  ASSERT_EQ(Run("renew").code, 0);  // a superseded instance is remembered too
  std::string state_before;
  {
    std::ifstream file(state_, std::ios::binary);
    state_before.assign(std::istreambuf_iterator<char>(file), {});
  }
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> issued = LoadContext(state_);
  ASSERT_TRUE(issued.ok()) << issued.status();
  const std::string key = issued->requested_proof_token().binary_secret().value();
  ASSERT_EQ(key.size(), 32u);
  ASSERT_NE(state_before.find(key), std::string::npos);

  Result cancelled = Run("cancel");
  ASSERT_EQ(cancelled.code, 0) << cancelled.err;
  // The five-minute tour: validate now says invalid, asking the STS about the
  // remembered token.
  Result after = Run("validate");
  EXPECT_EQ(after.code, 3) << after.err;
  EXPECT_TRUE(absl::StrContains(after.out, "status:     invalid (cancelled)")) << after.out;
  // No key is left in the state file.
  std::string state_after;
  {
    std::ifstream file(state_, std::ios::binary);
    state_after.assign(std::istreambuf_iterator<char>(file), {});
  }
  ASSERT_FALSE(state_after.empty());
  EXPECT_EQ(state_after.find(key), std::string::npos);
  EXPECT_EQ(state_after.find(first_key), std::string::npos);
  EXPECT_TRUE(absl::StrContains(state_after, issued->requested_security_token().identifier()));
  // Everything that needs the key refuses, saying why.
  for (const char* command : {"renew", "sign", "seal", "verify", "open"}) {
    Result refused = Run(command, {}, {}, "payload");
    EXPECT_EQ(refused.code, 1) << command;
    EXPECT_TRUE(absl::StrContains(refused.err, "wst:InvalidSecurityToken")) << command << ": "
                                                                             << refused.err;
    EXPECT_TRUE(absl::StrContains(refused.err, "cancelled")) << command << ": " << refused.err;
  }
  // Cancelling again is harmless.
  Result again = Run("cancel");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(absl::StrContains(again.out, "already cancelled")) << again.out;
  EXPECT_EQ(client_->cancels(), 1);
}

TEST_F(CommandsTest, TheHolderAcceptsAPreviousInstanceInsideItsRolloverWindow) {
  ASSERT_EQ(Run("issue", {{"applies-to", testing::kInProcessAudience}}).code, 0);
  Result before = Run("sign", {{"direction", "server-to-client"}}, {}, "made under instance 1");
  ASSERT_EQ(before.code, 0) << before.err;
  Result sealed = Run("seal", {{"direction", "server-to-client"}}, {}, "sealed under 1");
  ASSERT_EQ(sealed.code, 0) << sealed.err;
  ASSERT_EQ(Run("renew").code, 0);
  // docs/PROTECTED_MESSAGE.md section 5: an instance inside its rollover
  // window is accepted (an answer the relying party made before it saw the
  // renewal).
  Result verified = Run("verify", {{"direction", "server-to-client"}}, {}, before.out);
  EXPECT_EQ(verified.code, 0) << verified.err;
  EXPECT_EQ(verified.out, "made under instance 1");
  Result opened = Run("open", {{"direction", "server-to-client"}}, {}, sealed.out);
  EXPECT_EQ(opened.code, 0) << opened.err;
  EXPECT_EQ(opened.out, "sealed under 1");
  // The current instance still works, and the previous one ends with its
  // window (5 minutes), not with the context.
  Result current = Run("sign", {}, {}, "instance 2");
  ASSERT_EQ(Run("verify", {}, {}, current.out).code, 0);
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  Result late = Run("verify", {{"direction", "server-to-client"}, {"window", "10m"}}, {},
                    before.out);
  EXPECT_EQ(late.code, 1);
  EXPECT_TRUE(absl::StrContains(late.err, "wsc:UnknownDerivationSource")) << late.err;
}

TEST_F(CommandsTest, MessagesNameTheirReceiverAndPSha1NeedsAnOptIn) {
  ASSERT_EQ(Run("issue", {{"applies-to", testing::kInProcessAudience}}).code, 0);
  Result elsewhere = Run("sign", {{"receiver", "spiffe://test.example/billing"}}, {}, "p");
  ASSERT_EQ(elsewhere.code, 0) << elsewhere.err;
  Result refused = Run("verify", {}, {"resolve"}, elsewhere.out, audience_.get());
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "wst:FailedAuthentication")) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "spiffe://test.example/billing")) << refused.err;

  Result psha1 = Run("sign", {{"derivation", "psha1"}}, {}, "wsc");
  ASSERT_EQ(psha1.code, 0) << psha1.err;
  Result not_opted_in = Run("verify", {}, {}, psha1.out);
  EXPECT_EQ(not_opted_in.code, 1);
  EXPECT_TRUE(absl::StrContains(not_opted_in.err, "P_SHA1")) << not_opted_in.err;
  Result opted_in = Run("verify", {}, {"accept-psha1"}, psha1.out);
  EXPECT_EQ(opted_in.code, 0) << opted_in.err;
  EXPECT_EQ(opted_in.out, "wsc");
}

TEST_F(CommandsTest, TheKeyIsPrintedOnlyWhenAskedFor) {
  Result issued = Run("issue", {}, {"show-key"});
  ASSERT_EQ(issued.code, 0);
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> stored = LoadContext(state_);
  ASSERT_TRUE(stored.ok());
  const std::string key_hex =
      absl::BytesToHexString(stored->requested_proof_token().binary_secret().value());
  EXPECT_TRUE(absl::StrContains(issued.out, key_hex));
  EXPECT_FALSE(absl::StrContains(Run("validate").out, key_hex));
}

}  // namespace
}  // namespace sts::stsctl
