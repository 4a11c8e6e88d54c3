#include "client/stsctl/args.h"

#include "gtest/gtest.h"

namespace sts::stsctl {
namespace {

absl::StatusOr<Args> Parse(std::vector<std::string> words) {
  std::vector<char*> argv = {const_cast<char*>("stsctl")};
  for (std::string& w : words) argv.push_back(w.data());
  return ParseArgs(static_cast<int>(argv.size()), argv.data(), {"applies-to", "lifetime"},
                   {"show-key"});
}

TEST(ArgsTest, AcceptsBothSpellingsAndBothValueForms) {
  absl::StatusOr<Args> args =
      Parse({"issue", "--applies-to=spiffe://x", "--lifetime", "30m", "--show_key"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->command, "issue");
  EXPECT_EQ(args->Get("applies-to"), "spiffe://x");
  EXPECT_EQ(args->Get("lifetime"), "30m");
  EXPECT_TRUE(args->Has("show-key"));
  EXPECT_EQ(Parse({"issue", "--applies_to", "y"})->Get("applies-to"), "y");
}

TEST(ArgsTest, RefusesUnknownFlagsAndMissingValues) {
  EXPECT_FALSE(Parse({"issue", "--aplies-to=x"}).ok());
  EXPECT_FALSE(Parse({"issue", "--lifetime"}).ok());
  EXPECT_FALSE(Parse({"issue", "--show-key=yes"}).ok());
}

}  // namespace
}  // namespace sts::stsctl
