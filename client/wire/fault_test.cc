#include "client/wire/fault.h"

#include "gtest/gtest.h"

namespace sts::wire {
namespace {

TEST(FaultTest, ARefusalCarriesItsCodeAndFault) {
  const absl::Status s = Refuse(Refusal::kUnknownKeyInstance, "instance 3 is unknown");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "wsc:UnknownDerivationSource: instance 3 is unknown");
  std::optional<sts::v1::Fault> fault = FaultOf(s);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->name(), "wsc:UnknownDerivationSource");
  EXPECT_EQ(fault->namespace_uri(), "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512");
  EXPECT_EQ(fault->reason(), "instance 3 is unknown");
}

TEST(FaultTest, IsRefusalComparesKindsNotStrings) {
  const absl::Status cancelled = Refuse(Refusal::kCancelledContext, "gone");
  EXPECT_TRUE(IsRefusal(cancelled, Refusal::kCancelledContext));
  EXPECT_FALSE(IsRefusal(cancelled, Refusal::kExpiredContext));
  // Same fault name, other code: other kinds.
  EXPECT_FALSE(IsRefusal(Refuse(Refusal::kStaleProof, "old"), Refusal::kExpiredContext));
  EXPECT_FALSE(IsRefusal(Refuse(Refusal::kQuotaExceeded, "full"), Refusal::kUnavailable));
  // A status without a fault is no refusal of any kind.
  EXPECT_FALSE(IsRefusal(absl::FailedPreconditionError("wst:InvalidSecurityToken: gone"),
                         Refusal::kCancelledContext));
  EXPECT_FALSE(IsRefusal(absl::OkStatus(), Refusal::kInternal));
}

TEST(FaultTest, AStatusWithoutAFaultHasNoFaultName) {
  EXPECT_EQ(FaultNameOf(absl::InternalError("x")), "");
  EXPECT_FALSE(FaultOf(absl::OkStatus()).has_value());
}

// Found by tests/fuzz:rst_xml_fuzzer and soap_receiver_fuzzer: libxml2's
// complaint quoting a namespace URI with a stray byte made a reason that was
// not UTF-8, and the refusal's fault, a proto3 string, no longer parsed.
TEST(FaultTest, AReasonThatIsNotUtf8KeepsItsFault) {
  const std::string cut = std::string(127, 't') + "\xc3";  // "é" cut after 128 bytes
  for (const std::string& reason : {std::string("bad \xff byte"), cut,
                                    std::string("surrogate \xed\xa0\x80"),
                                    std::string("overlong \xc0\xaf")}) {
    for (const absl::Status& s :
         {Refuse(Refusal::kMalformedRequest, reason),
          RefuseWithFault(absl::StatusCode::kInvalidArgument, "wsse:InvalidSecurity",
                          "urn:example", reason)}) {
      std::optional<sts::v1::Fault> fault = FaultOf(s);
      ASSERT_TRUE(fault.has_value()) << s;
      EXPECT_EQ(fault->reason().find_first_of("\x80\xff"), std::string::npos);
      EXPECT_EQ(s.message().substr(s.message().find(": ") + 2), fault->reason());
    }
  }
  EXPECT_EQ(FaultOf(Refuse(Refusal::kMalformedRequest, "bad \xff byte"))->reason(), "bad ? byte");
  EXPECT_EQ(FaultOf(Refuse(Refusal::kMalformedRequest, "surrogate \xed\xa0\x80"))->reason(),
            "surrogate ???");
}

TEST(FaultTest, AUtf8ReasonIsKeptAsIs) {
  const std::string reason = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91";
  EXPECT_EQ(FaultOf(Refuse(Refusal::kMalformedRequest, reason))->reason(), reason);
  EXPECT_EQ(Refuse(Refusal::kMalformedRequest, reason).message(), "wst:InvalidRequest: " + reason);
}

}  // namespace
}  // namespace sts::wire
