// Sign / Encrypt / Receiver through the public face (soap.h): round trips
// for both SOAP versions, both suites, both SCT reference modes, both
// ciphers and both protection orders, as the holder and as the relying
// party (keys through Validate).
#include "client/soap/soap.h"

#include "absl/strings/match.h"
#include "client/soap/test_fixture.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::soap {
namespace {

using testing::Envelope11;
using testing::Envelope12;
using testing::kAudience;

class SoapTest : public testing::SoapFixture {
 protected:
  EncryptOptions Encrypting(BodyCipher cipher = BodyCipher::kAes256Cbc) {
    EncryptOptions o;
    o.clock = &clock_;
    o.cipher = cipher;
    return o;
  }
};

TEST_F(SoapTest, SignedEnvelopeVerifiesAtTheRelyingPartyWithTheBodyItSigned) {
  const std::string signed_envelope = Signed(Envelope11());
  EXPECT_TRUE(absl::StrContains(signed_envelope, "wsc:DerivedKeyToken"));
  EXPECT_TRUE(absl::StrContains(signed_envelope, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"));
  Receiver rp = RelyingParty();
  absl::StatusOr<Received> r = rp.Verify(signed_envelope);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body,
            "<m:Order xmlns:m=\"urn:example:orders\"><m:Item qty=\"2\">widget &amp; co</m:Item></m:Order>");
  ASSERT_EQ(r->results.signatures.size(), 1u);
  const SignatureResult& sig = r->results.signatures[0];
  EXPECT_TRUE(sig.body_signed);
  EXPECT_TRUE(sig.timestamp_signed);
  EXPECT_EQ(sig.suite, AlgorithmSuite::kBasic256Sha256);
  EXPECT_EQ(sig.key.length, 24u);  // WS-SP 1.2 [Sig KD] PSha1L192
  EXPECT_TRUE(sig.key.embedded_token);
  EXPECT_EQ(sig.key.source.identifier(), client_->identifier());
  EXPECT_EQ(r->context->principal, "spiffe://test.example/client");
  EXPECT_EQ(r->context->applies_to, kAudience);
  EXPECT_EQ(r->results.processed,
            (std::vector<std::string>{"Timestamp", "SecurityContextToken", "DerivedKeyToken",
                                      "Signature"}));
}

TEST_F(SoapTest, Soap12AndBasic256AndReferenceByIdentifierAndGeneration) {
  SignOptions o = Sign();
  o.suite = AlgorithmSuite::kBasic256;
  o.sct_reference = SctReference::kByIdentifier;
  o.generation = 3;
  absl::StatusOr<std::string> s = soap::Sign(Envelope12(), *client_, o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(absl::StrContains(*s, "SecurityContextToken"));
  EXPECT_TRUE(absl::StrContains(*s, "<wsc:Generation>3</wsc:Generation>"));
  EXPECT_TRUE(absl::StrContains(*s, "s:mustUnderstand=\"true\""));
  ReceiverOptions ro = Options();
  ro.suite = AlgorithmSuite::kBasic256;
  Receiver rp = RelyingParty(ro);
  absl::StatusOr<Received> r = rp.Verify(*s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results.signatures[0].key.start, 3u * 24u);
  EXPECT_FALSE(r->results.signatures[0].key.embedded_token);
  EXPECT_EQ(r->results.signatures[0].signature_method, "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
}

TEST_F(SoapTest, AReferenceWithoutInstanceNamesTheCurrentInstance) {
  // As WSS4J and WCF reference an SCT: by Identifier alone.
  SignOptions o = Sign();
  o.sct_reference = SctReference::kByIdentifier;
  std::string s = *soap::Sign(Envelope11(), *client_, o);
  s = testing::ReplaceFirst(s, " wsc:Instance=\"1\"", "");
  Receiver rp = RelyingParty();
  absl::StatusOr<Received> r = rp.Verify(s);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results.signatures[0].key.source.instance(), "1");
  Receiver holder = Holder();
  EXPECT_TRUE(holder.Verify(s).ok());
  // After a renewal the current instance is 2: the old message's key no longer
  // matches the current one at the holder.
  ASSERT_TRUE(client_->RenewNow().ok());
  Receiver holder2 = Holder();
  EXPECT_EQ(wire::FaultNameOf(holder2.Verify(s).status()), "wsse:FailedCheck");
  // Naming instance 1 explicitly still resolves it inside the rollover window.
  Receiver holder3 = Holder();
  EXPECT_TRUE(holder3.Verify(testing::ReplaceFirst(
      s, "<wsse:Reference URI=\"urn:uuid", "<wsse:Reference wsc:Instance=\"1\" URI=\"urn:uuid")).ok());
}

TEST_F(SoapTest, TheHolderVerifiesTheRelyingPartysSignedAnswer) {
  Receiver rp = RelyingParty();
  absl::StatusOr<Received> request = rp.Verify(Signed(Envelope11()));
  ASSERT_TRUE(request.ok()) << request.status();
  // The relying party answers under the context the request used.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys =
      verifier_->ResolveKeys(request->results.signatures[0].key.source);
  ASSERT_TRUE(keys.ok()) << keys.status();
  absl::StatusOr<std::string> answer = soap::Sign(Envelope11("<ok/>"), **keys, Sign());
  ASSERT_TRUE(answer.ok()) << answer.status();
  Receiver holder = Holder();
  absl::StatusOr<Received> r = holder.Verify(*answer);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "<ok/>");
}

TEST_F(SoapTest, EncryptedBodyDecryptsWithCbcAndGcm) {
  for (BodyCipher cipher : {BodyCipher::kAes256Cbc, BodyCipher::kAes256Gcm}) {
    absl::StatusOr<std::string> e = soap::Encrypt(Envelope11(), *client_, Encrypting(cipher));
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_FALSE(absl::StrContains(*e, "widget"));
    EXPECT_TRUE(absl::StrContains(*e, "xenc:ReferenceList"));
    Receiver rp = RelyingParty();
    absl::StatusOr<Received> r = rp.Decrypt(*e);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(absl::StrContains(r->body, "widget &amp; co"));
    ASSERT_EQ(r->results.decryptions.size(), 1u);
    EXPECT_EQ(r->results.decryptions[0].key.length, 32u);
    EXPECT_EQ(r->results.decryptions[0].algorithm,
              cipher == BodyCipher::kAes256Gcm ? "http://www.w3.org/2009/xmlenc11#aes256-gcm"
                                               : "http://www.w3.org/2001/04/xmlenc#aes256-cbc");
    // An encrypted, unsigned message is not a signed one.
    Receiver rp2 = RelyingParty();
    EXPECT_EQ(wire::FaultNameOf(rp2.Verify(*e).status()), "wsse:InvalidSecurity");
  }
}

TEST_F(SoapTest, SignThenEncryptAndEncryptThenSignBothVerify) {
  const std::string sign_then_encrypt =
      *soap::Encrypt(Signed(Envelope11()), *client_, Encrypting());
  absl::StatusOr<std::string> encrypted = soap::Encrypt(Envelope11(), *client_, Encrypting());
  ASSERT_TRUE(encrypted.ok()) << encrypted.status();
  const std::string encrypt_then_sign = Signed(*encrypted);
  for (const std::string* e : {&sign_then_encrypt, &encrypt_then_sign}) {
    EXPECT_FALSE(absl::StrContains(*e, "widget"));
    Receiver rp = RelyingParty();
    absl::StatusOr<Received> r = rp.Verify(*e);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(absl::StrContains(r->body, "widget &amp; co"));
    EXPECT_EQ(r->results.signatures.size(), 1u);
    EXPECT_EQ(r->results.decryptions.size(), 1u);
    // One SCT serves both derived keys.
    EXPECT_EQ(std::count(r->results.processed.begin(), r->results.processed.end(),
                         "SecurityContextToken"),
              1);
  }
  // The processing order says which protection was applied last.
  Receiver rp = RelyingParty();
  EXPECT_EQ(rp.Verify(sign_then_encrypt)->results.processed,
            (std::vector<std::string>{"Timestamp", "SecurityContextToken", "DerivedKeyToken",
                                      "ReferenceList", "DerivedKeyToken", "Signature"}));
}

TEST_F(SoapTest, ATamperedBodyFailsTheCheck) {
  std::string s = Signed(Envelope11());
  s = testing::ReplaceFirst(s, "qty=\"2\"", "qty=\"200\"");
  Receiver rp = RelyingParty();
  absl::Status status = rp.Verify(s).status();
  EXPECT_EQ(wire::FaultNameOf(status), "wsse:FailedCheck") << status;
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(SoapTest, AnUnknownOrCancelledContextIsRefusedWithTheWsscFault) {
  std::string s = Signed(Envelope11());
  const std::string other = testing::ReplaceFirst(s, "<wsc:Identifier>[^<]*</wsc:Identifier>",
                                                  "<wsc:Identifier>urn:uuid:00000000-0000-4000-8000-000000000000</wsc:Identifier>");
  Receiver rp = RelyingParty();
  EXPECT_EQ(wire::FaultNameOf(rp.Verify(other).status()), "wsc:BadContextToken");
  ASSERT_TRUE(client_->Cancel().ok());
  EXPECT_FALSE(soap::Sign(Envelope11(), *client_, Sign()).ok());
  Receiver rp2 = RelyingParty();
  const absl::Status cancelled = rp2.Verify(s).status();
  EXPECT_FALSE(cancelled.ok());
  EXPECT_EQ(wire::FaultNameOf(cancelled), "wsse:InvalidSecurityToken") << cancelled;
}

TEST_F(SoapTest, SignRefusesWhatIsNotAnEnvelope) {
  EXPECT_EQ(wire::FaultNameOf(soap::Sign("<a/>", *client_, Sign()).status()), "wsse:InvalidSecurity");
  EXPECT_EQ(wire::FaultNameOf(soap::Sign("not xml", *client_, Sign()).status()),
            "wsse:InvalidSecurity");
  // Signing twice would leave two timestamps.
  EXPECT_FALSE(soap::Sign(Signed(Envelope11()), *client_, Sign()).ok());
  EXPECT_FALSE(soap::Encrypt(Envelope11(""), *client_, Encrypting()).ok());
}

}  // namespace
}  // namespace sts::soap
