// Hostile input at the receiving side: each attack is refused, before any
// key is used where it can be, with a clear reason and its WS-Security fault.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/soap/soap.h"
#include "client/soap/test_fixture.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::soap {
namespace {

using testing::Envelope11;
using testing::ReplaceFirst;

class HostileInputTest : public testing::SoapFixture {
 protected:
  // Expects `envelope` refused with `fault` and a reason containing `reason`.
  void ExpectRefused(const std::string& envelope, const std::string& fault,
                     const std::string& reason, ReceiverOptions options) {
    Receiver rp = RelyingParty(options);
    absl::StatusOr<Received> r = rp.Verify(envelope);
    ASSERT_FALSE(r.ok()) << "accepted:\n" << envelope;
    EXPECT_EQ(wire::FaultNameOf(r.status()), fault) << r.status();
    EXPECT_TRUE(absl::StrContains(r.status().message(), reason)) << r.status();
  }
  void ExpectRefused(const std::string& envelope, const std::string& fault,
                     const std::string& reason) {
    ExpectRefused(envelope, fault, reason, Options());
  }
  std::string BodyId(const std::string& signed_envelope) {
    std::smatch m;
    std::regex re("wsu:Id=\"(Body-[^\"]+)\"");
    EXPECT_TRUE(std::regex_search(signed_envelope, m, re));
    return m[1];
  }
};

TEST_F(HostileInputTest, BillionLaughsStopsAtTheDoctype) {
  std::string dtd = "<!DOCTYPE soap:Envelope [<!ENTITY a \"aaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    absl::StrAppend(&dtd, "<!ENTITY a", i, " \"", std::string(), "&a", i == 1 ? "" : absl::StrCat(i - 1),
                    ";&a", i == 1 ? "" : absl::StrCat(i - 1), ";\">");
  }
  dtd += "]>";
  std::string e = Envelope11("<x>&a9;</x>");
  e.insert(e.find("<soap:Envelope"), dtd);
  ExpectRefused(e, "wsse:InvalidSecurity", "document type declarations");
}

TEST_F(HostileInputTest, ExternalEntitiesAreNeverFetched) {
  std::string e = Envelope11("<x>&xxe;</x>");
  e.insert(e.find("<soap:Envelope"),
           "<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>");
  ExpectRefused(e, "wsse:InvalidSecurity", "document type declarations");
  std::string external = Envelope11();
  external.insert(external.find("<soap:Envelope"),
                  "<!DOCTYPE soap:Envelope SYSTEM \"http://127.0.0.1:9/evil.dtd\">");
  ExpectRefused(external, "wsse:InvalidSecurity", "document type declarations");
}

TEST_F(HostileInputTest, SizeDepthAndNodeCountAreBounded) {
  ReceiverOptions o = Options();
  o.limits.max_bytes = 512;
  ExpectRefused(Signed(Envelope11()), "wsse:InvalidSecurity", "larger than 512 bytes", o);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<d>";
  for (int i = 0; i < 100; ++i) deep += "</d>";
  ExpectRefused(Envelope11(deep), "wsse:InvalidSecurity", "nested deeper than 64");
  EXPECT_EQ(wire::FaultNameOf(soap::Sign(Envelope11(deep), *client_, Sign()).status()),
            "wsse:InvalidSecurity");
  std::string wide;
  for (int i = 0; i < 30000; ++i) wide += "<w/>";
  ExpectRefused(Envelope11(wide), "wsse:InvalidSecurity", "more than 20000 nodes");
}

TEST_F(HostileInputTest, AWrappedBodyIsRefused) {
  const std::string s = Signed(Envelope11());
  const size_t start = s.find("<soap:Body");
  const size_t end = s.find("</soap:Body>") + std::string("</soap:Body>").size();
  const std::string signed_body = s.substr(start, end - start);
  // The signed Body moved into a header wrapper, a new Body in its place.
  std::string wrapped = s;
  wrapped.replace(start, end - start, "<soap:Body><m:Order xmlns:m=\"urn:example:orders\">"
                                      "<m:Item qty=\"9999\">evil</m:Item></m:Order></soap:Body>");
  wrapped = ReplaceFirst(wrapped, "</soap:Header>",
                         absl::StrCat("<w:Wrapper xmlns:w=\"urn:evil\">", signed_body,
                                      "</w:Wrapper></soap:Header>"));
  ExpectRefused(wrapped, "wsse:InvalidSecurity", "neither the Envelope's Body");
  // The signed Body moved up to be a header block of its own.
  std::string lifted = s;
  lifted.replace(start, end - start, "<soap:Body><evil/></soap:Body>");
  lifted = ReplaceFirst(lifted, "</soap:Header>", absl::StrCat(signed_body, "</soap:Header>"));
  ExpectRefused(lifted, "wsse:FailedCheck", "does not cover the SOAP Body");
  // The new Body given the signed Body's Id.
  std::string same_id = wrapped;
  same_id = ReplaceFirst(same_id, "<soap:Body><m:Order",
                         absl::StrCat("<soap:Body xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/"
                                      "oasis-200401-wss-wssecurity-utility-1.0.xsd\" wsu:Id=\"",
                                      BodyId(s), "\"><m:Order"));
  ExpectRefused(same_id, "wsse:InvalidSecurity", "is used more than once");
}

TEST_F(HostileInputTest, ADuplicatedBodyIsRefused) {
  std::string s = Signed(Envelope11());
  s = ReplaceFirst(s, "</soap:Envelope>", "<soap:Body><evil/></soap:Body></soap:Envelope>");
  ExpectRefused(s, "wsse:InvalidSecurity", "more than one Body");
}

TEST_F(HostileInputTest, DuplicateWsuIdsAreRefused) {
  std::string s = Signed(Envelope11());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m, std::regex("wsu:Id=\"(TS-[^\"]+)\"")));
  s = ReplaceFirst(s, "<wsa:To ", absl::StrCat("<wsa:To xmlns:wsu=\"http://docs.oasis-open.org/wss/"
                                               "2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\" "
                                               "wsu:Id=\"", std::string(m[1]), "\" "));
  ExpectRefused(s, "wsse:InvalidSecurity", "is used more than once");
  // xml:id counts as an Id too.
  std::string x = Signed(Envelope11());
  x = ReplaceFirst(x, "<wsa:To ", absl::StrCat("<wsa:To xml:id=\"", BodyId(x), "\" "));
  ExpectRefused(x, "wsse:InvalidSecurity", "is used more than once");
}

TEST_F(HostileInputTest, ReferencesOutsideTheEnvelopeAreRefused) {
  const std::string s = Signed(Envelope11());
  const std::string uri = absl::StrCat("URI=\"#", BodyId(s), "\"");
  for (const std::string replacement :
       {"URI=\"http://127.0.0.1:9/doc.xml\"", "URI=\"file:///etc/passwd\"", "URI=\"\"",
        "URI=\"#xpointer(/)\"", "URI=\"#nowhere\""}) {
    Receiver rp = RelyingParty();
    absl::Status status = rp.Verify(ReplaceFirst(s, uri, replacement)).status();
    EXPECT_EQ(wire::FaultNameOf(status), "wsse:InvalidSecurity") << replacement << " " << status;
  }
}

TEST_F(HostileInputTest, TruncatedHmacsAreRefused) {
  const std::string s = Signed(Envelope11());
  ExpectRefused(ReplaceFirst(s, "hmac-sha256\"/>",
                             "hmac-sha256\"><ds:HMACOutputLength>128</ds:HMACOutputLength>"
                             "</ds:SignatureMethod>"),
                "wsse:UnsupportedAlgorithm", "HMACOutputLength");
  // A shortened SignatureValue without HMACOutputLength fails the check.
  ExpectRefused(ReplaceFirst(s, "<ds:SignatureValue>[^<]*</ds:SignatureValue>",
                             "<ds:SignatureValue>AAAAAAAAAAAAAAAAAAAAAA==</ds:SignatureValue>"),
                "wsse:FailedCheck", "signature");
}

TEST_F(HostileInputTest, WrongAndDowngradedAlgorithmsAreRefused) {
  const std::string s = Signed(Envelope11());
  ExpectRefused(ReplaceFirst(s, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
                             "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
                "wsse:UnsupportedAlgorithm", "rsa-sha1");
  ExpectRefused(ReplaceFirst(s, "http://www.w3.org/2001/04/xmlenc#sha256",
                             "http://www.w3.org/2001/04/xmldsig-more#md5"),
                "wsse:UnsupportedAlgorithm", "md5");
  ExpectRefused(ReplaceFirst(s, "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                             "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>"),
                "wsse:UnsupportedAlgorithm", "exclusive C14N");
  // A message signed under Basic256 (HMAC-SHA1) is a downgrade for a
  // Basic256Sha256 receiver.
  SignOptions o = Sign();
  o.suite = AlgorithmSuite::kBasic256;
  ExpectRefused(*soap::Sign(Envelope11(), *client_, o), "wsse:UnsupportedAlgorithm",
                "Basic256Sha256 suite requires");
}

TEST_F(HostileInputTest, TimestampsOutsideTheWindowAreRefused) {
  const std::string s = Signed(Envelope11());
  clock_.Advance(absl::Minutes(6));
  ExpectRefused(s, "wsse:MessageExpired", "longer ago than the accepted window");
  clock_.Advance(absl::Minutes(-12));
  ExpectRefused(s, "wsse:MessageExpired", "in the future");
  clock_.Advance(absl::Minutes(6));
  Receiver rp = RelyingParty();
  EXPECT_TRUE(rp.Verify(s).ok());
}

TEST_F(HostileInputTest, AReplayedSignatureIsRefused) {
  const std::string s = Signed(Envelope11());
  Receiver rp = RelyingParty();
  ASSERT_TRUE(rp.Verify(s).ok());
  absl::Status again = rp.Verify(s).status();
  EXPECT_EQ(wire::FaultNameOf(again), "wsse:InvalidSecurity");
  EXPECT_TRUE(absl::StrContains(again.message(), "replayed")) << again;
  // A fresh message under the same context still passes.
  EXPECT_TRUE(rp.Verify(Signed(Envelope11())).ok());
}

TEST_F(HostileInputTest, DerivedKeyLengthAndStartAreBoundedBeforeDeriving) {
  const std::string s = Signed(Envelope11());
  ExpectRefused(ReplaceFirst(s, "<wsc:Length>24</wsc:Length>", "<wsc:Length>1</wsc:Length>"),
                "wsse:InvalidSecurityToken", "Length 1 is not the 24 bytes");
  ExpectRefused(ReplaceFirst(s, "<wsc:Offset>0</wsc:Offset>", "<wsc:Offset>2147483649</wsc:Offset>"),
                "wsse:InvalidSecurityToken", "Offset 2147483649 is beyond");
  ExpectRefused(ReplaceFirst(s, "<wsc:Offset>0</wsc:Offset>",
                             "<wsc:Offset>99999999999999999999999</wsc:Offset>"),
                "wsse:InvalidSecurityToken", "not a non-negative integer");
  ExpectRefused(ReplaceFirst(s, "<wsc:Offset>0</wsc:Offset>", "<wsc:Generation>178956971</wsc:Generation>"),
                "wsse:InvalidSecurityToken", "Generation 178956971 starts beyond");
  ExpectRefused(ReplaceFirst(s, "<wsc:Offset>0</wsc:Offset>", "<wsc:Offset>-1</wsc:Offset>"),
                "wsse:InvalidSecurityToken", "not a non-negative integer");
}

TEST_F(HostileInputTest, ObjectsManifestsAndForeignKeysAreRefused) {
  const std::string s = Signed(Envelope11());
  ExpectRefused(ReplaceFirst(s, "</ds:KeyInfo>", "</ds:KeyInfo><ds:Object><ds:Manifest/></ds:Object>"),
                "wsse:InvalidSecurity", "no Object");
  ExpectRefused(ReplaceFirst(s, "<ds:KeyInfo>.*</ds:KeyInfo>",
                             "<ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"),
                "wsse:UnsupportedSecurityToken", "SecurityTokenReference");
  ExpectRefused(ReplaceFirst(s, "<wsc:DerivedKeyToken ", "<wsse:BinarySecurityToken/><wsc:DerivedKeyToken "),
                "wsse:UnsupportedSecurityToken", "BinarySecurityToken");
  // A prefix nobody declared is not namespace-well-formed.
  ExpectRefused(ReplaceFirst(s, "<wsa:To ", "<evil:X/><wsa:To "), "wsse:InvalidSecurity",
                "undeclared namespace prefix");
}

TEST_F(HostileInputTest, UnsignedOrMissingHeadersAreRefused) {
  ExpectRefused(Envelope11(), "wsse:InvalidSecurity", "no wsse:Security header");
  const std::string s = Signed(Envelope11());
  ExpectRefused(ReplaceFirst(s, "</soap:Header>",
                             "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
                             "oasis-200401-wss-wssecurity-secext-1.0.xsd\"/></soap:Header>"),
                "wsse:InvalidSecurity", "more than one wsse:Security header");
}

}  // namespace
}  // namespace sts::soap
