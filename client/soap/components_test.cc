// The parts under the public face: the replay cache's bounds, wsu time
// stamps, and the token readers' refusals.
#include "absl/strings/match.h"
#include "client/soap/replay_cache.h"
#include "client/soap/token_xml.h"
#include "client/soap/wsu_time.h"
#include "client/soap/xml.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::soap {
namespace {

TEST(ReplayCacheTest, RemembersUntilExpiryAndRefusesWhenFullOfLiveEntries) {
  ReplayCache cache(2);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_TRUE(cache.Insert("a", t0 + absl::Minutes(5), t0).ok());
  EXPECT_EQ(wire::FaultNameOf(cache.Insert("a", t0 + absl::Minutes(5), t0)), "wsse:InvalidSecurity");
  ASSERT_TRUE(cache.Insert("b", t0 + absl::Minutes(10), t0).ok());
  absl::Status full = cache.Insert("c", t0 + absl::Minutes(5), t0 + absl::Minutes(1));
  EXPECT_TRUE(absl::StrContains(full.message(), "too many")) << full;
  // Once "a" expires it is forgotten, and there is room again.
  EXPECT_TRUE(cache.Insert("c", t0 + absl::Minutes(11), t0 + absl::Minutes(6)).ok());
  EXPECT_TRUE(cache.Insert("a", t0 + absl::Minutes(11), t0 + absl::Minutes(10) + absl::Seconds(1)).ok());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(WsuTimeTest, RoundTripsAndRefusesTimesWithoutAZone) {
  const absl::Time t = absl::FromUnixMillis(1'700'000'000'123);
  EXPECT_EQ(FormatWsuTime(t), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(*ParseWsuTime("2023-11-14T22:13:20.123Z"), t);
  EXPECT_EQ(*ParseWsuTime("2023-11-14T23:13:20.123+01:00"), t);
  EXPECT_EQ(*ParseWsuTime(" 2023-11-14T22:13:20Z "), absl::FromUnixSeconds(1'700'000'000));
  for (const char* bad : {"2023-11-14T22:13:20", "yesterday", "", "2023-13-40T99:00:00Z"}) {
    EXPECT_FALSE(ParseWsuTime(bad).ok()) << bad;
  }
}

absl::StatusOr<DerivedKeyTokenXml> ReadDkt(const std::string& children) {
  const std::string xml =
      "<wsc:DerivedKeyToken xmlns:wsc=\"http://schemas.xmlsoap.org/ws/2005/02/sc\" "
      "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\">"
      "<wsse:SecurityTokenReference><wsse:Reference URI=\"urn:uuid:1\"/></wsse:SecurityTokenReference>" +
      children + "</wsc:DerivedKeyToken>";
  absl::StatusOr<Document> doc = ParseHardened(xml, {});
  EXPECT_TRUE(doc.ok()) << doc.status();
  return ReadDerivedKeyToken(xmlDocGetRootElement(doc->get()), {24, 4096});
}

TEST(TokenXmlTest, DerivedKeyTokensAreReadInBothNamespacesAndBounded) {
  absl::StatusOr<DerivedKeyTokenXml> ok =
      ReadDkt("<wsc:Generation>2</wsc:Generation><wsc:Length>24</wsc:Length>"
              "<wsc:Label>custom</wsc:Label><wsc:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsc:Nonce>");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->source.uri, "urn:uuid:1");
  EXPECT_EQ(*ok->params.generation, 2u);
  EXPECT_EQ(ok->params.label, "custom");
  EXPECT_EQ(ok->params.nonce.size(), 16u);
  for (const char* bad : {
           "<wsc:Length>24</wsc:Length>",  // no nonce
           "<wsc:Length>24</wsc:Length><wsc:Nonce>AAEC</wsc:Nonce>",  // short nonce
           "<wsc:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsc:Nonce>",  // Length absent means 32
           "<wsc:Offset>0</wsc:Offset><wsc:Generation>0</wsc:Generation><wsc:Length>24</wsc:Length>"
           "<wsc:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsc:Nonce>",
           "<wsc:Properties/><wsc:Length>24</wsc:Length><wsc:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsc:Nonce>",
           "<wsc:Length>+24</wsc:Length><wsc:Nonce>AAECAwQFBgcICQoLDA0ODw==</wsc:Nonce>",
       }) {
    absl::StatusOr<DerivedKeyTokenXml> r = ReadDkt(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(wire::FaultNameOf(r.status()), "wsse:InvalidSecurityToken") << r.status();
  }
}

TEST(TokenXmlTest, SecurityContextTokensNeedOneAbsoluteIdentifier) {
  for (const char* bad : {
           "<wsc:SecurityContextToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\"/>",
           "<wsc:SecurityContextToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\">"
           "<wsc:Identifier>relative</wsc:Identifier></wsc:SecurityContextToken>",
           "<wsc:SecurityContextToken xmlns:wsc=\"http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512\">"
           "<wsc:Identifier>urn:a</wsc:Identifier><wsc:Identifier>urn:b</wsc:Identifier></wsc:SecurityContextToken>",
       }) {
    absl::StatusOr<Document> doc = ParseHardened(bad, {});
    ASSERT_TRUE(doc.ok());
    EXPECT_FALSE(ReadSecurityContextToken(xmlDocGetRootElement(doc->get())).ok()) << bad;
  }
}

}  // namespace
}  // namespace sts::soap
