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
    issue { principal: "batch.example.org" applies_to: "spiffe://example.org/ns/db" }
  )pb");
  EXPECT_TRUE(policy.MayIssue("spiffe://example.org/ns/web/frontend", "spiffe://example.org/ns/api/orders"));
  EXPECT_TRUE(policy.MayIssue("spiffe://example.org/ns/web/frontend", ""));
  EXPECT_FALSE(policy.MayIssue("spiffe://example.org/ns/web/frontend", "spiffe://example.org/ns/db"));
  EXPECT_FALSE(policy.MayIssue("spiffe://example.org/ns/webx", "spiffe://example.org/ns/api/orders"));
  EXPECT_TRUE(policy.MayIssue("batch.example.org", "spiffe://example.org/ns/db"));
  EXPECT_FALSE(policy.MayIssue("batch.example.org", "spiffe://example.org/ns/db/x"));
  EXPECT_FALSE(policy.MayIssue("batch.example.org", ""));
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

TEST(PolicyTest, RefusesAStarInsideAPattern) {
  sts::config::PolicyConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(issue { principal: "spiffe://*/web" applies_to: "*" })pb", &config));
  EXPECT_FALSE(Policy::FromConfig(config).ok());
}

}  // namespace
}  // namespace sts::policy
