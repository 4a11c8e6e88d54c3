#include "client/wire/validation.h"

#include "gtest/gtest.h"

namespace sts::wire {
namespace {

TEST(ValidationTest, EveryReasonHasOneSpellingBothWays) {
  for (ValidationReason r : {ValidationReason::kValid, ValidationReason::kUnknown,
                             ValidationReason::kExpired, ValidationReason::kCancelled,
                             ValidationReason::kSuperseded}) {
    EXPECT_EQ(ParseReason(ReasonText(r)), r);
  }
  EXPECT_EQ(ReasonText(ValidationReason::kSuperseded), "superseded");
  EXPECT_EQ(ReasonText(ValidationReason::kCancelled), "cancelled");
}

TEST(ValidationTest, UnknownSpellingsAreNotReasons) {
  EXPECT_FALSE(ParseReason("").has_value());
  EXPECT_FALSE(ParseReason("Valid").has_value());
  EXPECT_FALSE(ParseReason("revoked").has_value());
}

}  // namespace
}  // namespace sts::wire
