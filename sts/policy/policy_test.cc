#include "sts/policy/policy.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sts::policy {
namespace {

Policy Parse(const std::string& text) {
  sts::config::PolicyConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  absl::StatusOr<Policy> policy = Policy::FromConfig(config);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *std::move(policy);
}

TEST(PolicyTest, EmptyPolicyRefusesEverything) {
  const Policy policy = Parse("");
  EXPECT_FALSE(policy.MayIssue("spiffe://example.org/a", ""));
  EXPECT_EQ(policy.ValidateAccessFor("spiffe://example.org/a"), Policy::ValidateAccess::kDenied);
}

TEST(PolicyTest, IssueRulesMatchExactAndPrefixPatterns) {
  const Policy policy = Parse(R"pb(
    issue { principal: "spiffe://example.org/ns/web/*" applies_to: "spiffe://example.org/ns/api/*" applies_to: "" }
    issue { principal: "dns:batch.example.org" applies_to: "spiffe://example.org/ns/db" }
  )pb");
  EXPECT_TRUE(policy.MayIssue("spiffe://example.org/ns/web/frontend", "spiffe://example.org/ns/api/orders"));
  EXPECT_TRUE(policy.MayIssue("spiffe://example.org/ns/web/frontend", ""));
  EXPECT_FALSE(policy.MayIssue("spiffe://example.org/ns/web/frontend", "spiffe://example.org/ns/db"));
  EXPECT_FALSE(policy.MayIssue("spiffe://example.org/ns/webx", "spiffe://example.org/ns/api/orders"));
  EXPECT_TRUE(policy.MayIssue("dns:batch.example.org", "spiffe://example.org/ns/db"));
  EXPECT_FALSE(policy.MayIssue("dns:batch.example.org", "spiffe://example.org/ns/db/x"));
  EXPECT_FALSE(policy.MayIssue("dns:batch.example.org", ""));
  EXPECT_FALSE(policy.MayIssue("cn:batch.example.org", "spiffe://example.org/ns/db"));
}

TEST(PolicyTest, StarAloneMatchesAnythingIncludingEmpty) {
  const Policy policy = Parse(R"pb(issue { principal: "*" applies_to: "*" })pb");
  EXPECT_TRUE(policy.MayIssue("anyone", ""));
  EXPECT_TRUE(policy.MayIssue("anyone", "anything"));
}

TEST(PolicyTest, ValidateAccessTakesTheMostGenerousMatchingRule) {
  const Policy policy = Parse(R"pb(
    validate { principal: "*" }
    validate { principal: "spiffe://example.org/ns/api/*" release_keys_to_audience: true }
  )pb");
  EXPECT_EQ(policy.ValidateAccessFor("spiffe://example.org/ns/api/orders"),
            Policy::ValidateAccess::kKeysAsAudience);
  EXPECT_EQ(policy.ValidateAccessFor("someone"), Policy::ValidateAccess::kStatusOnly);
}

// Security review, medium 6: a trailing '*' matches at a path-segment (or
// kind) boundary only, unless "**" says otherwise.
TEST(PolicyTest, AStarMatchesWholeSegmentsOnly) {
  const Policy policy = Parse(R"pb(
    issue { principal: "spiffe://prod/*" applies_to: "*" }
    issue { principal: "dns:*" applies_to: "spiffe://example.org/ns/db" }
  )pb");
  EXPECT_TRUE(policy.MayIssue("spiffe://prod/web", ""));
  EXPECT_TRUE(policy.MayIssue("spiffe://prod/ns/web/frontend", ""));
  EXPECT_FALSE(policy.MayIssue("spiffe://prod-evil/web", ""));
  EXPECT_FALSE(policy.MayIssue("spiffe://prod", ""));
  EXPECT_TRUE(policy.MayIssue("dns:batch.example.org", "spiffe://example.org/ns/db"));
  EXPECT_FALSE(policy.MayIssue("cn:batch", "spiffe://example.org/ns/db"));

  const Policy explicit_prefix = Parse(R"pb(issue { principal: "spiffe://prod**" applies_to: "*" })pb");
  EXPECT_TRUE(explicit_prefix.MayIssue("spiffe://prod-evil/", ""));

  for (const char* bad : {"spiffe://prod*", "spiffe://prod/web*", "dns:*.example.org", "a*b*"}) {
    sts::config::PolicyConfig config;
    config.add_issue()->add_principal(bad);
    absl::StatusOr<Policy> refused = Policy::FromConfig(config);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.status().message().find("prefix/*"), std::string::npos) << refused.status();
  }
}

TEST(PolicyTest, RefusesAStarInsideAPattern) {
  sts::config::PolicyConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(issue { principal: "spiffe://*/web" applies_to: "*" })pb", &config));
  EXPECT_FALSE(Policy::FromConfig(config).ok());
}

}  // namespace
}  // namespace sts::policy
