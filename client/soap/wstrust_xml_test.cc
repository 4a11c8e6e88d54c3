// The WS-Trust 1.3 XML forms, checked element by element against the spec
// (names, namespaces, order, cardinality; no WS-Trust schema is packaged for
// xmllint), and the RST parse for the four bindings.
#include "client/soap/wstrust_xml.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "client/soap/namespaces.h"
#include "client/soap/xml.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "gtest/gtest.h"

namespace sts::soap {
namespace {

std::vector<std::string> Names(const xmlNode* node) {
  std::vector<std::string> out;
  for (xmlNode* c : ChildElements(node)) {
    out.push_back(absl::StrCat(NamespaceOf(c) == kWst13Namespace   ? "wst:"
                               : NamespaceOf(c) == kWsc13Namespace ? "wsc:"
                               : NamespaceOf(c) == kWsuNamespace   ? "wsu:"
                               : NamespaceOf(c) == kWsseNamespace  ? "wsse:"
                               : NamespaceOf(c) == kWspNamespace   ? "wsp:"
                               : NamespaceOf(c) == kWsaNamespace   ? "wsa:"
                               : NamespaceOf(c) == kStsNamespace   ? "sts:"
                                                                   : "?:",
                               LocalName(c)));
  }
  return out;
}

sts::v1::RequestSecurityTokenResponse Issued() {
  sts::v1::RequestSecurityTokenResponse r;
  r.set_context("ctx-1");
  r.set_token_type(std::string(wire::kTokenTypeSct));
  auto* t = r.mutable_requested_security_token();
  t->set_identifier("urn:uuid:6f1c0c3e-1d2b-4a0e-9a55-3f0e2b7c9d10");
  t->set_instance("1");
  t->set_wsu_id("uuid-6f1c0c3e");
  r.mutable_requested_attached_reference()->set_uri("#uuid-6f1c0c3e");
  r.mutable_requested_unattached_reference()->set_uri(t->identifier());
  r.mutable_requested_proof_token()->mutable_binary_secret()->set_value(std::string(32, '\x07'));
  r.mutable_requested_proof_token()->mutable_binary_secret()->set_type(
      std::string(wire::kBinarySecretSymmetricKey));
  r.mutable_lifetime()->mutable_created()->set_seconds(1'700'000'000);
  r.mutable_lifetime()->mutable_expires()->set_seconds(1'700'003'600);
  r.set_key_size(256);
  r.set_applies_to("spiffe://example.org/inventory");
  r.set_principal("spiffe://example.org/web");
  return r;
}

TEST(WsTrustXmlTest, IssueResponseIsAnRstrCollectionInSpecOrder) {
  const std::string xml = IssueResponseXml(Issued(), {.include_proof_key = true});
  absl::StatusOr<Document> doc = ParseHardened(xml, {});
  ASSERT_TRUE(doc.ok()) << doc.status();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  ASSERT_TRUE(IsElement(root, kWst13Namespace, "RequestSecurityTokenResponseCollection"));
  ASSERT_EQ(Names(root), std::vector<std::string>{"wst:RequestSecurityTokenResponse"});
  const xmlNode* rstr = ChildElements(root)[0];
  EXPECT_EQ(AttributeOf(rstr, "", "Context"), "ctx-1");
  EXPECT_EQ(Names(rstr), (std::vector<std::string>{
                             "wst:TokenType", "wst:RequestedSecurityToken", "wsp:AppliesTo",
                             "wst:RequestedAttachedReference", "wst:RequestedUnattachedReference",
                             "wst:RequestedProofToken", "wst:Lifetime", "wst:KeySize",
                             "sts:Principal"}));
  std::vector<xmlNode*> f = ChildElements(rstr);
  EXPECT_EQ(TextOf(f[0]), wire::kTokenTypeSct);
  const xmlNode* sct = ChildElements(f[1])[0];
  EXPECT_TRUE(IsElement(sct, kWsc13Namespace, "SecurityContextToken"));
  EXPECT_EQ(AttributeOf(sct, kWsuNamespace, "Id"), "uuid-6f1c0c3e");
  EXPECT_EQ(Names(sct), (std::vector<std::string>{"wsc:Identifier", "wsc:Instance"}));
  EXPECT_EQ(Names(ChildElements(f[2])[0]), std::vector<std::string>{"wsa:Address"});
  for (int i : {3, 4}) {
    const xmlNode* str = ChildElements(f[i])[0];
    ASSERT_TRUE(IsElement(str, kWsseNamespace, "SecurityTokenReference"));
    const xmlNode* ref = ChildElements(str)[0];
    EXPECT_EQ(AttributeOf(ref, "", "URI"), i == 3 ? "#uuid-6f1c0c3e"
                                                  : "urn:uuid:6f1c0c3e-1d2b-4a0e-9a55-3f0e2b7c9d10");
    EXPECT_EQ(AttributeOf(ref, "", "ValueType"), kSctValueType13);
  }
  const xmlNode* secret = ChildElements(f[5])[0];
  ASSERT_TRUE(IsElement(secret, kWst13Namespace, "BinarySecret"));
  EXPECT_EQ(AttributeOf(secret, "", "Type"), wire::kBinarySecretSymmetricKey);
  std::string key;
  ASSERT_TRUE(absl::Base64Unescape(TextOf(secret), &key));
  EXPECT_EQ(key, std::string(32, '\x07'));
  EXPECT_EQ(Names(f[6]), (std::vector<std::string>{"wsu:Created", "wsu:Expires"}));
  EXPECT_EQ(TextOf(ChildElements(f[6])[0]), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(TextOf(f[7]), "256");
}

TEST(WsTrustXmlTest, TheKeyIsWrittenOnlyWhenAskedAndComputedKeysCarryEntropy) {
  const std::string without = IssueResponseXml(Issued());
  EXPECT_FALSE(absl::StrContains(without, "RequestedProofToken"));
  EXPECT_FALSE(absl::StrContains(without, absl::Base64Escape(std::string(32, '\x07'))));
  sts::v1::RequestSecurityTokenResponse computed = Issued();
  computed.mutable_requested_proof_token()->set_computed_key(std::string(wire::kComputedKeyPSha1));
  computed.mutable_entropy()->mutable_binary_secret()->set_value("issuer-entropy-issuer-entropy-32");
  computed.mutable_entropy()->mutable_binary_secret()->set_type(std::string(wire::kBinarySecretNonce));
  computed.mutable_requested_security_token()->set_cookie("sealed");
  absl::StatusOr<Document> doc = ParseHardened(IssueResponseXml(computed), {});
  ASSERT_TRUE(doc.ok());
  const xmlNode* rstr = ChildElements(xmlDocGetRootElement(doc->get()))[0];
  std::vector<xmlNode*> f = ChildElements(rstr);
  EXPECT_EQ(Names(f[5]), std::vector<std::string>{"wst:ComputedKey"});
  EXPECT_EQ(TextOf(ChildElements(f[5])[0]), wire::kComputedKeyPSha1);
  ASSERT_TRUE(IsElement(f[6], kWst13Namespace, "Entropy"));
  EXPECT_EQ(AttributeOf(ChildElements(f[6])[0], "", "Type"), wire::kBinarySecretNonce);
  EXPECT_EQ(Names(ChildElements(f[1])[0]),
            (std::vector<std::string>{"wsc:Identifier", "wsc:Instance", "sts:Cookie"}));
}

TEST(WsTrustXmlTest, CancelAndValidateResponses) {
  sts::v1::CancelResponse c;
  c.set_requested_token_cancelled(true);
  absl::StatusOr<Document> cancel = ParseHardened(CancelResponseXml(c), {});
  ASSERT_TRUE(cancel.ok());
  const xmlNode* root = xmlDocGetRootElement(cancel->get());
  EXPECT_TRUE(IsElement(root, kWst13Namespace, "RequestSecurityTokenResponse"));
  EXPECT_EQ(Names(root), std::vector<std::string>{"wst:RequestedTokenCancelled"});
  sts::v1::ValidateResponse v;
  v.mutable_status()->set_code(std::string(wire::kStatusInvalid));
  v.mutable_status()->set_reason("expired");
  absl::StatusOr<Document> validate = ParseHardened(ValidateResponseXml(v), {});
  ASSERT_TRUE(validate.ok());
  root = xmlDocGetRootElement(validate->get());
  EXPECT_EQ(Names(root), (std::vector<std::string>{"wst:TokenType", "wst:Status"}));
  EXPECT_EQ(TextOf(ChildElements(root)[0]), wire::kTokenTypeStatus);
  const xmlNode* status = ChildElements(root)[1];
  EXPECT_EQ(Names(status), (std::vector<std::string>{"wst:Code", "wst:Reason"}));
  EXPECT_EQ(TextOf(ChildElements(status)[0]), wire::kStatusInvalid);
}

constexpr char kIssue13[] = R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
<wst:RequestSecurityToken Context="c1" xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"
    xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/sct</wst:TokenType>
  <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>
  <wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference
      xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>spiffe://example.org/api</wsa:Address>
  </wsa:EndpointReference></wsp:AppliesTo>
  <wst:Lifetime><wsu:Created>2024-01-01T00:00:00Z</wsu:Created><wsu:Expires>2024-01-01T00:30:00Z</wsu:Expires></wst:Lifetime>
  <wst:KeySize>256</wst:KeySize>
  <wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey</wst:KeyType>
  <wst:Entropy><wst:BinarySecret Type="http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce">AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=</wst:BinarySecret></wst:Entropy>
  <wst:ComputedKeyAlgorithm>http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1</wst:ComputedKeyAlgorithm>
</wst:RequestSecurityToken></s:Body></s:Envelope>)";

TEST(WsTrustXmlTest, ParsesAnIssueRequestInASoapBody) {
  absl::StatusOr<RequestSecurityToken> r = ParseRequestSecurityToken(kIssue13);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto* issue = std::get_if<sts::v1::IssueRequest>(&*r);
  ASSERT_NE(issue, nullptr);
  EXPECT_EQ(issue->context(), "c1");
  EXPECT_EQ(issue->token_type(), wire::kTokenTypeSct);
  EXPECT_EQ(issue->request_type(), wire::kRequestTypeIssue);
  EXPECT_EQ(issue->applies_to(), "spiffe://example.org/api");
  EXPECT_EQ(issue->lifetime().seconds(), 1800);
  EXPECT_EQ(issue->key_size(), 256u);
  EXPECT_EQ(issue->key_type(), wire::kKeyTypeSymmetric);
  EXPECT_EQ(issue->entropy().binary_secret().value().size(), 32u);
  EXPECT_EQ(issue->entropy().binary_secret().type(), wire::kBinarySecretNonce);
  EXPECT_EQ(issue->computed_key_algorithm(), wire::kComputedKeyPSha1);
}

TEST(WsTrustXmlTest, ParsesThe2005NamespacesAndTheOtherBindings) {
  absl::StatusOr<RequestSecurityToken> renew = ParseRequestSecurityToken(
      R"(<t:RequestSecurityToken xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">
      <t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Renew</t:RequestType>
      <t:RenewTarget><o:SecurityTokenReference xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
        <o:Reference URI="urn:uuid:0a0a" xmlns:c="http://schemas.xmlsoap.org/ws/2005/02/sc" c:Instance="3"/>
      </o:SecurityTokenReference></t:RenewTarget><t:KeySize>128</t:KeySize></t:RequestSecurityToken>)");
  ASSERT_TRUE(renew.ok()) << renew.status();
  const auto* rn = std::get_if<sts::v1::RenewRequest>(&*renew);
  ASSERT_NE(rn, nullptr);
  EXPECT_EQ(rn->request_type(), wire::kRequestTypeRenew);
  EXPECT_EQ(rn->renew_target().identifier(), "urn:uuid:0a0a");
  EXPECT_EQ(rn->renew_target().instance(), "3");
  EXPECT_EQ(rn->key_size(), 128u);

  absl::StatusOr<RequestSecurityToken> cancel = ParseRequestSecurityToken(
      R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel</wst:RequestType>
      <wst:CancelTarget><wsc:SecurityContextToken xmlns:wsc="http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512">
        <wsc:Identifier>urn:uuid:0b0b</wsc:Identifier></wsc:SecurityContextToken></wst:CancelTarget>
      </wst:RequestSecurityToken>)");
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  EXPECT_EQ(std::get<sts::v1::CancelRequest>(*cancel).cancel_target().identifier(), "urn:uuid:0b0b");

  absl::StatusOr<RequestSecurityToken> validate = ParseRequestSecurityToken(
      R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
      <wst:TokenType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status</wst:TokenType>
      <wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate</wst:RequestType>
      <wst:ValidateTarget><wsse:SecurityTokenReference xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
        <wsse:Reference URI="urn:uuid:0c0c"/></wsse:SecurityTokenReference></wst:ValidateTarget>
      </wst:RequestSecurityToken>)");
  ASSERT_TRUE(validate.ok()) << validate.status();
  const auto& v = std::get<sts::v1::ValidateRequest>(*validate);
  EXPECT_EQ(v.validate_target().identifier(), "urn:uuid:0c0c");
  EXPECT_EQ(v.token_type(), wire::kTokenTypeStatus);
}

TEST(WsTrustXmlTest, BadRequestsAreInvalidRequest) {
  for (const char* bad : {
           "<x/>",
           "not xml",
           R"(<!DOCTYPE x [<!ENTITY e "e">]><x/>)",
           R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestType>urn:other</wst:RequestType></wst:RequestSecurityToken>)",
           R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel</wst:RequestType></wst:RequestSecurityToken>)",
           R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType><wst:KeySize>big</wst:KeySize></wst:RequestSecurityToken>)",
           R"(<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType><wst:RequestType>x</wst:RequestType></wst:RequestSecurityToken>)",
       }) {
    absl::StatusOr<RequestSecurityToken> r = ParseRequestSecurityToken(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(wire::FaultNameOf(r.status()), "wst:InvalidRequest") << r.status();
  }
}

}  // namespace
}  // namespace sts::soap
