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

}  // namespace
}  // namespace sts::wire
