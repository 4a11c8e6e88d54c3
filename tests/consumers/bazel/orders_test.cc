// The orders service's use of the client library tested as a team tests its
// own code: against InProcessSts (@sts//tests/harness:in_process_sts), the
// STS's real logic in the test's process, on a fake clock, without a server.
#include <memory>

#include "absl/time/time.h"
#include "client/clock.h"
#include "client/context/security_context.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"

namespace {

using sts::testing::InProcessSts;
using sts::testing::kInProcessAudience;
using sts::testing::kInProcessClient;

constexpr char kSubmit[] = "/orders/submit";

class OrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<InProcessSts>> sts = InProcessSts::Create(&clock_);
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = *std::move(sts);
    sts::context::SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = sts::context::RenewalMode::kManual;  // the test moves time
    sts::v1::IssueRequest request;
    request.set_applies_to(kInProcessAudience);
    absl::StatusOr<std::unique_ptr<sts::context::SecurityContext>> context =
        sts::context::SecurityContext::Issue(sts_->ClientAs(kInProcessClient), request, options);
    ASSERT_TRUE(context.ok()) << context.status();
    context_ = *std::move(context);
    sts::verifier::VerifierOptions verifier_options;
    verifier_options.clock = &clock_;
    verifier_ = std::make_unique<sts::verifier::Verifier>(sts_->ClientAs(kInProcessAudience),
                                                          verifier_options);
  }

  sts::FakeClock clock_;
  std::unique_ptr<InProcessSts> sts_;
  std::unique_ptr<sts::context::SecurityContext> context_;
  std::unique_ptr<sts::verifier::Verifier> verifier_;
};

TEST_F(OrdersTest, TheWarehouseVerifiesAnOrderAndRefusesATamperedOne) {
  absl::StatusOr<sts::v1::ProtectedMessage> order = context_->Sign("3 widgets", kSubmit);
  ASSERT_TRUE(order.ok()) << order.status();
  absl::StatusOr<std::shared_ptr<const sts::protect::ContextInfo>> sender =
      verifier_->Verify(*order, kSubmit);
  ASSERT_TRUE(sender.ok()) << sender.status();
  EXPECT_EQ((*sender)->principal, kInProcessClient);

  sts::v1::ProtectedMessage forged = *order;
  forged.set_payload("300 widgets");
  const absl::Status refused = verifier_->Verify(forged, kSubmit).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated) << refused;
  EXPECT_EQ(sts::wire::FaultNameOf(refused), "wst:FailedAuthentication");
}

TEST_F(OrdersTest, AnExpiredContextIsRefusedOnBothSides) {
  absl::StatusOr<sts::v1::ProtectedMessage> order = context_->Sign("3 widgets", kSubmit);
  ASSERT_TRUE(order.ok()) << order.status();
  clock_.Advance(absl::Hours(2));  // past the default lifetime of 1 h
  sts_->Sweep();
  const absl::Status late = context_->Sign("3 widgets", kSubmit).status();
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  EXPECT_EQ(sts::wire::FaultNameOf(late), "wsc:RenewNeeded");
  EXPECT_FALSE(verifier_->Verify(*order, kSubmit).ok());
}

}  // namespace
