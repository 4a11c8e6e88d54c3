#include "sts/token/token_id.h"

#include <regex>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace sts::token {
namespace {

TEST(TokenIdTest, GeneratesVersion4UrnUuids) {
  const std::regex urn("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<TokenId> id = TokenId::Generate();
    ASSERT_TRUE(id.ok());
    EXPECT_TRUE(std::regex_match(id->ToUrn(), urn)) << id->ToUrn();
  }
}

TEST(TokenIdTest, GeneratedIdentifiersAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(TokenId::Generate()->ToUrn());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(TokenIdTest, ParsesWhatItPrints) {
  const TokenId id = *TokenId::Generate();
  std::optional<TokenId> parsed = TokenId::Parse(id.ToUrn());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, id);
}

TEST(TokenIdTest, AcceptsUpperCaseAndPrintsLowerCase) {
  std::optional<TokenId> parsed =
      TokenId::Parse("URN:UUID:6BA7B810-9DAD-41D1-80B4-00C04FD430C8");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->ToUrn(), "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8");
}

TEST(TokenIdTest, RefusesMalformedText) {
  for (const char* text : {
           "",
           "urn:uuid:",
           "6ba7b810-9dad-41d1-80b4-00c04fd430c8",
           "uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8",
           "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c",
           "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c88",
           "urn:uuid:6ba7b8109dad-41d1-80b4-00c04fd430c8-",
           "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430cg",
           "urn:uuid:6ba7b810_9dad-41d1-80b4-00c04fd430c8",
           "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c\n",
       }) {
    EXPECT_FALSE(TokenId::Parse(text).has_value()) << text;
  }
}

TEST(TokenIdTest, RefusesAnyOneCharacterOutOfPlace) {
  const std::string good = "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8";
  ASSERT_TRUE(TokenId::Parse(good).has_value());
  for (size_t i = 0; i < good.size(); ++i) {
    const bool hyphen = good[i] == '-';
    // A non-hex letter, a byte that is not ASCII, a NUL, and a hyphen where
    // a digit belongs or a digit where a hyphen belongs.
    for (char c : {'g', '\xc3', '\0', hyphen ? '0' : '-'}) {
      std::string bad = good;
      bad[i] = c;
      EXPECT_FALSE(TokenId::Parse(bad).has_value()) << "position " << i;
    }
  }
}

}  // namespace
}  // namespace sts::token
