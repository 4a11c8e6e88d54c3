// SecurityContext against the real STS logic in process (both stores) on a
// fake clock: keys from Issue (binary secret and computed), the three renewal
// modes, rollover, retry, cancellation. Time moves only when the test moves
// it.
#include "client/context/security_context.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "client/context/mock_sts_api.h"
#include "client/crypto/bytes.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"

namespace sts::context {
namespace {

using protect::Direction;
using testing::InProcessSts;
using testing::InProcessStsClient;
using testing::StoreKind;
using protect::InstanceKeys;
using sts::v1::ProtectedMessage;

constexpr char kAd[] = "/example.v1.Inventory/Reserve";

// The relying party's side, reduced to what these tests need: the keys the
// STS would release, looked up by instance.
class StsKeys : public protect::KeyResolver {
 public:
  explicit StsKeys(StsApi* sts) : sts_(sts) {}
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    absl::StatusOr<sts::v1::ValidateResponse> v = sts_->Validate(token);
    if (!v.ok()) return v.status();
    for (const sts::v1::ContextKey& key : v->keys()) {
      if (key.instance() != token.instance()) continue;
      auto info = std::make_shared<protect::ContextInfo>();
      info->identifier = token.identifier();
      info->cookie = token.cookie();
      info->principal = v->principal();
      info->applies_to = v->applies_to();
      return InstanceKeys::Create(std::move(info), key.instance(),
                                  crypto::SecretBytes::FromString(key.key()));
    }
    return wire::Refuse(wire::Refusal::kUnknownKeyInstance, "unknown instance");
  }

 private:
  StsApi* sts_;
};

std::unique_ptr<InProcessSts> MakeSts(const Clock* clock, StoreKind store) {
  testing::InProcessStsOptions options;
  options.store = store;
  absl::StatusOr<std::unique_ptr<InProcessSts>> sts = InProcessSts::Create(clock, options);
  EXPECT_TRUE(sts.ok()) << sts.status();
  return sts.ok() ? *std::move(sts) : nullptr;
}

class SecurityContextTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  std::unique_ptr<SecurityContext> Issue(SecurityContextOptions options = {}) {
    options.clock = &clock_;
    sts::v1::IssueRequest request;
    request.set_applies_to(testing::kInProcessAudience);
    absl::StatusOr<std::unique_ptr<SecurityContext>> context =
        SecurityContext::Issue(client_, request, options);
    EXPECT_TRUE(context.ok()) << context.status();
    return context.ok() ? *std::move(context) : nullptr;
  }

  static SecurityContextOptions Mode(RenewalMode mode) {
    SecurityContextOptions options;
    options.renewal = mode;
    return options;
  }

  // An answer from the relying party, made with `keys`.
  ProtectedMessage Answer(const InstanceKeys& keys, uint64_t sequence) {
    ProtectedMessage m;
    protect::FillHeader(keys, {}, ProtectedMessage::PROTECTION_SIGN, Direction::kServerToClient,
                        sequence, clock_.Now(), &m);
    m.set_payload("answer");
    EXPECT_TRUE(protect::SignInPlace(keys, &m, kAd).ok());
    return m;
  }

  FakeClock clock_;
  std::unique_ptr<InProcessSts> sts_ = MakeSts(&clock_, GetParam());
  std::shared_ptr<InProcessStsClient> client_ = sts_->ClientAs(testing::kInProcessClient);
  std::shared_ptr<InProcessStsClient> audience_ = sts_->ClientAs(testing::kInProcessAudience);
  StsKeys sts_keys_{audience_.get()};
  // The relying party's checks, opted in to P_SHA1 for the WS-SC case.
  protect::ReceiverOptions PSha1Too() {
    protect::ReceiverOptions options;
    options.accept_psha1 = true;
    return options;
  }
  protect::Receiver server_{&sts_keys_, &clock_, PSha1Too()};
};

INSTANTIATE_TEST_SUITE_P(BothStores, SecurityContextTest,
                         ::testing::Values(StoreKind::kKeyring, StoreKind::kCookie),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kKeyring ? "Keyring" : "Cookie";
                         });

TEST_P(SecurityContextTest, SignedAndSealedMessagesVerifyAtTheRelyingParty) {
  auto context = Issue(Mode(RenewalMode::kManual));
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(context->principal(), "spiffe://test.example/client");
  EXPECT_EQ(context->applies_to(), "spiffe://test.example/relying-party");
  EXPECT_EQ(context->token().instance(), "1");

  absl::StatusOr<ProtectedMessage> s = context->Sign("to the server", kAd);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->token().identifier(), context->identifier());
  EXPECT_TRUE(server_.Verify(*s, kAd, Direction::kClientToServer).ok());

  absl::StatusOr<ProtectedMessage> e = context->Seal("secret to the server", kAd);
  ASSERT_TRUE(e.ok()) << e.status();
  std::string plaintext;
  ASSERT_TRUE(server_.Open(*e, kAd, Direction::kClientToServer, &plaintext).ok());
  EXPECT_EQ(plaintext, "secret to the server");
  // Distinct, increasing sequence numbers.
  EXPECT_GT(e->sequence(), s->sequence());
}

TEST_P(SecurityContextTest, PSha1DerivedKeysForWsScPeers) {
  SecurityContextOptions options = Mode(RenewalMode::kManual);
  options.derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
  options.derivation.generation = 0;
  auto context = Issue(options);
  absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->derivation().algorithm(), protect::kPSha1Derivation);
  EXPECT_EQ(s->derivation().nonce().size(), 16u);
  EXPECT_TRUE(server_.Verify(*s, kAd, Direction::kClientToServer).ok());
  absl::StatusOr<ProtectedMessage> e = context->Seal("p", kAd);
  ASSERT_TRUE(e.ok());
  std::string plaintext;
  EXPECT_TRUE(server_.Open(*e, kAd, Direction::kClientToServer, &plaintext).ok());
}

TEST_P(SecurityContextTest, ComputedKeysFromOurEntropy) {
  for (const std::string& algorithm :
       {std::string(), std::string(wire::kComputedKeyHkdfSha256)}) {
    SecurityContextOptions options = Mode(RenewalMode::kOnUse);
    options.use_entropy = true;
    options.computed_key_algorithm = algorithm;
    auto context = Issue(options);
    ASSERT_NE(context, nullptr);
    // The key was never sent, yet both sides hold the same one.
    absl::StatusOr<sts::v1::ValidateResponse> v = client_->Validate(context->token());
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(v->keys_size(), 1);
    EXPECT_TRUE(context->current_keys()->HasContextKey(crypto::AsBytes(v->keys(0).key())));
    // And renewals compute the next key the same way.
    clock_.Advance(absl::Minutes(40));
    absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->token().instance(), "2");
    EXPECT_TRUE(server_.Verify(*s, kAd, Direction::kClientToServer).ok());
  }
}

TEST_P(SecurityContextTest, OnUseRenewsAtSixtyPercentInTheCallersThread) {
  auto context = Issue(Mode(RenewalMode::kOnUse));
  clock_.Advance(absl::Minutes(35));  // 58 %
  ASSERT_TRUE(context->Sign("p", kAd).ok());
  EXPECT_EQ(context->renewals(), 0u);
  clock_.Advance(absl::Minutes(2));  // 61 %
  absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(context->renewals(), 1u);
  EXPECT_EQ(s->token().instance(), "2");
  EXPECT_EQ(context->expires(), clock_.Now() + absl::Hours(1));
  EXPECT_TRUE(server_.Verify(*s, kAd, Direction::kClientToServer).ok());
}

TEST_P(SecurityContextTest, BackgroundRenewalIsWokenByUse) {
  SecurityContextOptions options = Mode(RenewalMode::kBackground);
  options.renew_at = 0.5;
  auto context = Issue(options);
  clock_.Advance(absl::Minutes(31));
  // This message still goes out under instance 1; it wakes the renewer.
  absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(context->AwaitRenewals(1, absl::Seconds(30))) << context->last_renewal_error();
  EXPECT_EQ(context->token().instance(), "2");
  absl::StatusOr<ProtectedMessage> next = context->Sign("p", kAd);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->token().instance(), "2");
  // Both verify at the relying party: instance 1 is inside its rollover.
  EXPECT_TRUE(server_.Verify(*s, kAd, Direction::kClientToServer).ok());
  EXPECT_TRUE(server_.Verify(*next, kAd, Direction::kClientToServer).ok());
}

TEST_P(SecurityContextTest, ManualModeNeverRenewsByItselfAndRefusesOnceExpired) {
  auto context = Issue(Mode(RenewalMode::kManual));
  clock_.Advance(absl::Minutes(50));
  ASSERT_TRUE(context->Sign("p", kAd).ok());
  EXPECT_EQ(client_->renewals(), 0);
  clock_.Advance(absl::Minutes(10));
  const absl::Status s = context->Sign("p", kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wsc:RenewNeeded");
}

TEST_P(SecurityContextTest, AnExpiredKeyIsRenewedBeforeUseWhenPossible) {
  // The renewal point passed unnoticed (no use); at expiry the STS refuses
  // to renew an expired context, so the use is refused with RenewNeeded.
  auto context = Issue(Mode(RenewalMode::kOnUse));
  clock_.Advance(absl::Hours(1));
  const absl::Status s = context->Sign("p", kAd).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wsc:RenewNeeded");
  EXPECT_NE(s.message().find("renewing failed"), absl::string_view::npos) << s;
  EXPECT_EQ(wire::FaultNameOf(context->last_renewal_error()), "wst:ExpiredData");
}

TEST_P(SecurityContextTest, AFailedRenewalIsRetriedAfterTheInterval) {
  SecurityContextOptions options = Mode(RenewalMode::kOnUse);
  options.retry_interval = absl::Minutes(1);
  auto context = Issue(options);
  client_->FailNextRenew(wire::Refuse(wire::Refusal::kUnavailable, "STS down"));
  clock_.Advance(absl::Minutes(40));
  // The renewal fails; the message still goes out under the current key.
  absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->token().instance(), "1");
  EXPECT_EQ(wire::FaultNameOf(context->last_renewal_error()), "wst:RequestFailed");
  ASSERT_TRUE(context->Sign("p", kAd).ok());
  EXPECT_EQ(client_->renewals(), 1);  // no retry before the interval
  clock_.Advance(absl::Minutes(1));
  s = context->Sign("p", kAd);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token().instance(), "2");
  EXPECT_EQ(client_->renewals(), 2);
  EXPECT_TRUE(context->last_renewal_error().ok());
}

TEST_P(SecurityContextTest, AnswersUnderThePreviousKeyVerifyDuringRollover) {
  auto context = Issue(Mode(RenewalMode::kManual));
  const std::shared_ptr<const InstanceKeys> first = context->current_keys();
  ASSERT_TRUE(context->RenewNow().ok());
  const std::shared_ptr<const InstanceKeys> second = context->current_keys();
  EXPECT_EQ(second->instance(), "2");

  EXPECT_TRUE(context->Verify(Answer(*second, 1), kAd).ok());
  EXPECT_TRUE(context->Verify(Answer(*first, 2), kAd).ok());
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  const absl::Status late = context->Verify(Answer(*first, 3), kAd);
  EXPECT_EQ(late.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(late), "wsc:UnknownDerivationSource");
  EXPECT_TRUE(context->Verify(Answer(*second, 4), kAd).ok());
  // Replayed answers and answers in the wrong direction are refused.
  const ProtectedMessage answer = Answer(*second, 5);
  ASSERT_TRUE(context->Verify(answer, kAd).ok());
  EXPECT_EQ(wire::FaultNameOf(context->Verify(answer, kAd)), "wst:FailedAuthentication");
  absl::StatusOr<ProtectedMessage> own = context->Sign("p", kAd);
  EXPECT_EQ(wire::FaultNameOf(context->Verify(*own, kAd)), "wst:InvalidRequest");
  // Once the current instance expires, answers need a renewal.
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(wire::FaultNameOf(context->Verify(Answer(*second, 6), kAd)), "wsc:RenewNeeded");
}

TEST_P(SecurityContextTest, SealedAnswersOpen) {
  auto context = Issue(Mode(RenewalMode::kManual));
  ProtectedMessage m;
  protect::FillHeader(*context->current_keys(), {}, ProtectedMessage::PROTECTION_SEAL,
                      Direction::kServerToClient, 9, clock_.Now(), &m);
  m.set_payload("sealed answer");
  ASSERT_TRUE(protect::SealInPlace(*context->current_keys(), &m, kAd).ok());
  absl::StatusOr<std::string> plaintext = context->Open(m, kAd);
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_EQ(*plaintext, "sealed answer");
  m.mutable_payload()->back() ^= 1;
  EXPECT_EQ(wire::FaultNameOf(context->Open(m, kAd).status()), "wst:FailedAuthentication");
}

TEST_P(SecurityContextTest, CancelRefusesEveryLaterUse) {
  auto context = Issue(Mode(RenewalMode::kBackground));
  ASSERT_TRUE(context->Cancel().ok());
  EXPECT_EQ(client_->cancels(), 1);
  const absl::Status s = context->Sign("p", kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidSecurityToken");
  EXPECT_EQ(context->current_keys(), nullptr);
  EXPECT_TRUE(context->Cancel().ok());  // harmless twice
  EXPECT_EQ(client_->cancels(), 1);
  EXPECT_EQ(wire::FaultNameOf(context->RenewNow()), "wst:InvalidSecurityToken");
}

TEST_P(SecurityContextTest, CancelOnShutdownOnlyWhenAsked) {
  Issue(Mode(RenewalMode::kBackground)).reset();
  EXPECT_EQ(client_->cancels(), 0);
  SecurityContextOptions options = Mode(RenewalMode::kBackground);
  options.cancel_on_shutdown = true;
  Issue(options).reset();
  EXPECT_EQ(client_->cancels(), 1);
}

TEST_P(SecurityContextTest, AContextTheStsForgotIsDead) {
  auto context = Issue(Mode(RenewalMode::kOnUse));
  client_->FailNextRenew(wire::Refuse(wire::Refusal::kCancelledContext, "cancelled elsewhere"));
  clock_.Advance(absl::Minutes(40));
  // This use triggers the renewal that learns it; the next is refused.
  context->Sign("p", kAd).IgnoreError();
  EXPECT_EQ(wire::FaultNameOf(context->Sign("p", kAd).status()), "wst:InvalidSecurityToken");
}

TEST_P(SecurityContextTest, ConcurrentUseAcrossBackgroundRenewals) {
  SecurityContextOptions options = Mode(RenewalMode::kBackground);
  auto context = Issue(options);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::set<uint64_t> sequences;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        absl::StatusOr<ProtectedMessage> s = context->Sign("p", kAd);
        if (!s.ok()) {
          failures.fetch_add(1);
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        if (!sequences.insert(s->sequence()).second) failures.fetch_add(1);
      }
    });
  }
  // Three lifetimes' worth of renewal points, each awaited.
  for (uint64_t n = 1; n <= 3; ++n) {
    clock_.Advance(absl::Minutes(37));
    context->Sign("p", kAd).IgnoreError();  // make sure one use sees the point
    ASSERT_TRUE(context->AwaitRenewals(n, absl::Seconds(30))) << context->last_renewal_error();
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(context->token().instance(), "4");
}

TEST_P(SecurityContextTest, CreateChecksTheResponse) {
  sts::v1::RequestSecurityTokenResponse empty;
  EXPECT_FALSE(SecurityContext::Create(nullptr, empty, {}).ok());
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> r = client_->Issue({});
  ASSERT_TRUE(r.ok());
  SecurityContextOptions options;
  options.clock = &clock_;
  options.renew_at = 1.5;
  EXPECT_FALSE(SecurityContext::Create(nullptr, *r, {}, options).ok());
  // No STS: usable, never renews.
  options.renew_at = 0.6;
  absl::StatusOr<std::unique_ptr<SecurityContext>> offline =
      SecurityContext::Create(nullptr, *r, {}, options);
  ASSERT_TRUE(offline.ok());
  clock_.Advance(absl::Minutes(50));
  EXPECT_TRUE((*offline)->Sign("p", kAd).ok());
  EXPECT_EQ(wire::FaultNameOf((*offline)->RenewNow()), "wsc:RenewNeeded");
}

// Answers the real STS never gives, scripted: a renewal answered for another
// context, or with no lifetime, is refused and the current key stays in use.
TEST(SecurityContextScriptedTest, AMalformedRenewalAnswerIsRefusedAndTheKeyKept) {
  FakeClock clock;
  auto sts = std::make_shared<::testing::StrictMock<MockStsApi>>();
  sts::v1::RequestSecurityTokenResponse issued;
  issued.mutable_requested_security_token()->set_identifier(
      "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8");
  issued.mutable_requested_security_token()->set_instance("1");
  issued.mutable_requested_proof_token()->mutable_binary_secret()->set_value(std::string(32, 'k'));
  issued.mutable_lifetime()->mutable_created()->set_seconds(absl::ToUnixSeconds(clock.Now()));
  issued.mutable_lifetime()->mutable_expires()->set_seconds(
      absl::ToUnixSeconds(clock.Now() + absl::Hours(1)));
  sts::v1::RequestSecurityTokenResponse other = issued;
  other.mutable_requested_security_token()->set_identifier(
      "urn:uuid:00000000-0000-4000-8000-000000000001");
  other.mutable_requested_security_token()->set_instance("2");
  sts::v1::RequestSecurityTokenResponse timeless = issued;
  timeless.mutable_requested_security_token()->set_instance("2");
  timeless.mutable_lifetime()->mutable_expires()->set_seconds(
      absl::ToUnixSeconds(clock.Now() - absl::Hours(1)));
  EXPECT_CALL(*sts, Renew(::testing::_, ::testing::_, ::testing::_))
      .WillOnce(::testing::Return(other))
      .WillOnce(::testing::Return(timeless));

  SecurityContextOptions options;
  options.clock = &clock;
  options.renewal = RenewalMode::kManual;
  absl::StatusOr<std::unique_ptr<SecurityContext>> context =
      SecurityContext::Create(sts, issued, {}, options);
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_EQ((*context)->RenewNow().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*context)->RenewNow().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*context)->token().instance(), "1");
  EXPECT_TRUE((*context)->Sign("still works", kAd).ok());
}

}  // namespace
}  // namespace sts::context
