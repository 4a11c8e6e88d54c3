// Shared by the client/soap tests: a holder's SecurityContext and a relying
// party's Verifier over the real STS logic in process
// (tests/harness/in_process_sts.h) on a fake clock, and envelopes to protect.
#ifndef STS_CLIENT_SOAP_TEST_FIXTURE_H_
#define STS_CLIENT_SOAP_TEST_FIXTURE_H_

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "client/clock.h"
#include "client/context/security_context.h"
#include "client/soap/soap.h"
#include "client/verifier/verifier.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"

namespace sts::soap::testing {

inline constexpr char kAudience[] = "spiffe://test.example/relying-party";
// std::string_view: absl::string_view's null check on a pointer is not a
// constant expression under -fsanitize=undefined (--config=asan).
static_assert(std::string_view(kAudience) == std::string_view(sts::testing::kInProcessAudience));

inline std::string Envelope11(const std::string& body = "<m:Order xmlns:m=\"urn:example:orders\">"
                                                          "<m:Item qty=\"2\">widget &amp; co</m:Item>"
                                                          "</m:Order>") {
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<soap:Header><wsa:To xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">"
      "https://orders.example/</wsa:To></soap:Header>"
      "<soap:Body>",
      body, "</soap:Body></soap:Envelope>");
}

inline std::string Envelope12(const std::string& body = "<m:Ping xmlns:m=\"urn:example\">1</m:Ping>") {
  return absl::StrCat("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>",
                      body, "</s:Body></s:Envelope>");
}

// Replaces the first match of `pattern` in `text` (the test fails if none).
inline std::string ReplaceFirst(const std::string& text, const std::string& pattern,
                                const std::string& replacement) {
  std::regex re(pattern);
  EXPECT_TRUE(std::regex_search(text, re)) << "no match for " << pattern;
  return std::regex_replace(text, re, replacement, std::regex_constants::format_first_only);
}

class SoapFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    context::SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = context::RenewalMode::kManual;
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    auto issued = context::SecurityContext::Issue(holder_, request, options);
    ASSERT_TRUE(issued.ok()) << issued.status();
    client_ = std::shared_ptr<context::SecurityContext>(*std::move(issued));
    verifier::VerifierOptions vo;
    vo.clock = &clock_;
    verifier_ = std::make_shared<verifier::Verifier>(audience_, vo);
  }

  SignOptions Sign() {
    SignOptions o;
    o.clock = &clock_;
    return o;
  }
  ReceiverOptions Options() {
    ReceiverOptions o;
    o.clock = &clock_;
    return o;
  }
  // The relying party (keys from Validate), and the holder.
  Receiver RelyingParty(ReceiverOptions o) { return Receiver(RelyingPartyResolver(verifier_), o); }
  Receiver RelyingParty() { return RelyingParty(Options()); }
  Receiver Holder() { return Receiver(HolderResolver(client_), Options()); }

  std::string Signed(const std::string& envelope) {
    absl::StatusOr<std::string> s = soap::Sign(envelope, *client_, Sign());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : "";
  }

  FakeClock clock_;
  std::unique_ptr<sts::testing::InProcessSts> sts_ = *sts::testing::InProcessSts::Create(&clock_);
  std::shared_ptr<sts::testing::InProcessStsClient> holder_ =
      sts_->ClientAs(sts::testing::kInProcessClient);
  std::shared_ptr<sts::testing::InProcessStsClient> audience_ =
      sts_->ClientAs(sts::testing::kInProcessAudience);
  std::shared_ptr<context::SecurityContext> client_;
  std::shared_ptr<verifier::Verifier> verifier_;
};

}  // namespace sts::soap::testing

#endif  // STS_CLIENT_SOAP_TEST_FIXTURE_H_
