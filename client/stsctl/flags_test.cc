#include "client/stsctl/flags.h"

#include "gtest/gtest.h"

namespace sts::stsctl {
namespace {

Args With(std::map<std::string, std::string> values) {
  Args args;
  args.values = std::move(values);
  return args;
}

TEST(FlagsTest, KeySizeIsCheckedNotTruncated) {
  EXPECT_EQ(*KeySizeFlag(With({})), 0u);
  EXPECT_EQ(*KeySizeFlag(With({{"key-size", "128"}})), 128u);
  EXPECT_EQ(*KeySizeFlag(With({{"key-size", "512"}})), 512u);
  for (const char* bad :
       {"abc", "256x", "-256", "4294967552", "99999999999999999999", "130", "64", "1024"}) {
    absl::StatusOr<uint32_t> bits = KeySizeFlag(With({{"key-size", bad}}));
    EXPECT_EQ(bits.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(bits.status().message().find("--key-size"), absl::string_view::npos);
  }
}

TEST(FlagsTest, DurationsAreParsedOrRefusedByName) {
  EXPECT_EQ(*DurationFlag(With({{"lifetime", "90m"}}), "lifetime", ""), absl::Minutes(90));
  EXPECT_EQ(*DurationFlag(With({}), "timeout", "10s"), absl::Seconds(10));
  for (const char* bad : {"soon", "10", "-5m"}) {
    absl::StatusOr<absl::Duration> d = DurationFlag(With({{"lifetime", bad}}), "lifetime", "");
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(d.status().message().find("--lifetime"), absl::string_view::npos);
  }
}

TEST(FlagsTest, DirectionAndDerivation) {
  EXPECT_EQ(*DirectionFlag(With({})), protect::Direction::kClientToServer);
  EXPECT_EQ(*DirectionFlag(With({{"direction", "server-to-client"}})),
            protect::Direction::kServerToClient);
  EXPECT_FALSE(DirectionFlag(With({{"direction", "sideways"}})).ok());

  EXPECT_EQ(DerivationFlags(With({}))->algorithm,
            protect::DerivationOptions::Algorithm::kHkdfSha256);
  absl::StatusOr<protect::DerivationOptions> psha1 =
      DerivationFlags(With({{"derivation", "psha1"}, {"generation", "3"}, {"label", "L"}}));
  ASSERT_TRUE(psha1.ok());
  EXPECT_EQ(psha1->algorithm, protect::DerivationOptions::Algorithm::kPSha1);
  EXPECT_EQ(psha1->generation, 3u);
  EXPECT_EQ(psha1->label, "L");
  EXPECT_FALSE(DerivationFlags(With({{"derivation", "md5"}})).ok());
  EXPECT_FALSE(DerivationFlags(With({{"derivation", "psha1"}, {"generation", "x"}})).ok());
  // P_SHA1 parameters without P_SHA1 are a mistake, not ignored.
  EXPECT_FALSE(DerivationFlags(With({{"generation", "1"}})).ok());
}

TEST(FlagsTest, ChannelFlagsDefaultToTheDevelopmentPki) {
  ChannelOptions o = ChannelFlags(With({{"addr", "sts:443"}}));
  EXPECT_EQ(o.address, "sts:443");
  EXPECT_EQ(o.ca_file, ".dev/pki/ca.pem");
  EXPECT_EQ(o.cert_file, ".dev/pki/client.pem");
  EXPECT_EQ(StatePath(With({{"state", "/x/y"}})), "/x/y");
}

}  // namespace
}  // namespace sts::stsctl
