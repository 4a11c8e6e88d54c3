// The relying party's Verifier against the real STS logic in process (both
// stores) on a fake clock, with a SecurityContext as the client: caching,
// renewal, cancellation, negative answers, bounds, and what a forger can make
// it do.
#include "client/verifier/verifier.h"

#include <atomic>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/context/mock_sts_api.h"
#include "client/context/security_context.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/message.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"

namespace sts::verifier {
namespace {

using context::RenewalMode;
using context::SecurityContext;
using protect::Direction;
using protect::InstanceKeys;
using sts::v1::ProtectedMessage;
using testing::InProcessSts;
using testing::InProcessStsClient;
using testing::StoreKind;

constexpr char kAd[] = "/example.v1.Inventory/Reserve";
constexpr char kAudience[] = "spiffe://test.example/relying-party";
// std::string_view: absl::string_view's null check on a pointer is not a
// constant expression under -fsanitize=undefined (--config=asan).
static_assert(std::string_view(kAudience) == std::string_view(testing::kInProcessAudience));

std::unique_ptr<InProcessSts> MakeSts(const Clock* clock, StoreKind store) {
  testing::InProcessStsOptions options;
  options.store = store;
  absl::StatusOr<std::unique_ptr<InProcessSts>> sts = InProcessSts::Create(clock, options);
  EXPECT_TRUE(sts.ok()) << sts.status();
  return sts.ok() ? *std::move(sts) : nullptr;
}

class VerifierTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  VerifierOptions Options() {
    VerifierOptions options;
    options.clock = &clock_;
    return options;
  }

  std::unique_ptr<SecurityContext> Client() {
    context::SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = RenewalMode::kManual;
    sts::v1::IssueRequest request;
    request.set_applies_to(kAudience);
    absl::StatusOr<std::unique_ptr<SecurityContext>> c =
        SecurityContext::Issue(client_, request, options);
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  // A message made directly with `keys`, as a thief of those keys could,
  // with sequence numbers above those the client's context uses.
  ProtectedMessage With(const InstanceKeys& keys, uint64_t sequence) {
    ProtectedMessage m;
    protect::FillHeader(keys, {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer,
                        (uint64_t{1} << 62) + sequence, clock_.Now(), &m);
    m.set_payload("p");
    EXPECT_TRUE(protect::SignInPlace(keys, &m, kAd).ok());
    return m;
  }

  // What someone who knows only a context's identifier can send: any
  // instance and cookie, a tag under a key of their own.
  ProtectedMessage Forged(const SecurityContext& client, const std::string& instance,
                          const std::string& cookie) {
    auto info = std::make_shared<protect::ContextInfo>();
    info->identifier = client.identifier();
    info->cookie = cookie;
    info->applies_to = kAudience;  // addressed as the holder's messages are
    absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
        InstanceKeys::Create(std::move(info), instance, crypto::SecretBytes(32));
    EXPECT_TRUE(keys.ok()) << keys.status();
    return With(**keys, ++forged_);
  }

  ProtectedMessage Signed(SecurityContext& client) {
    absl::StatusOr<ProtectedMessage> m = client.Sign("request", kAd);
    EXPECT_TRUE(m.ok()) << m.status();
    return *m;
  }

  FakeClock clock_;
  uint64_t forged_ = 1000;
  std::unique_ptr<InProcessSts> in_process_ = MakeSts(&clock_, GetParam());
  // The holder's view, and the relying party's: the audience, to whom the
  // STS releases keys.
  std::shared_ptr<InProcessStsClient> client_ = in_process_->ClientAs(testing::kInProcessClient);
  std::shared_ptr<InProcessStsClient> sts_ = in_process_->ClientAs(testing::kInProcessAudience);
};

INSTANTIATE_TEST_SUITE_P(BothStores, VerifierTest,
                         ::testing::Values(StoreKind::kKeyring, StoreKind::kCookie),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param == StoreKind::kKeyring ? "Keyring" : "Cookie";
                         });

TEST_P(VerifierTest, ResolvesOnceThenVerifiesFromTheCache) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> who =
      verifier.Verify(Signed(*client), kAd);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ((*who)->identifier, client->identifier());
  EXPECT_EQ((*who)->principal, "spiffe://test.example/client");
  EXPECT_EQ((*who)->applies_to, kAudience);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  EXPECT_EQ(verifier.stats().validations, 1u);
  EXPECT_EQ(verifier.stats().hits, 10u);

  absl::StatusOr<ProtectedMessage> sealed = client->Seal("sealed request", kAd);
  ASSERT_TRUE(sealed.ok());
  std::string plaintext;
  ASSERT_TRUE(verifier.Open(*sealed, kAd, &plaintext).ok());
  EXPECT_EQ(plaintext, "sealed request");
}

TEST_P(VerifierTest, AnswersVerifyAtTheClient) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const ProtectedMessage request = Signed(*client);
  ASSERT_TRUE(verifier.Verify(request, kAd).ok());
  absl::StatusOr<ProtectedMessage> answer = verifier.Sign(request.token(), "answer", kAd);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_TRUE(client->Verify(*answer, kAd).ok());
  absl::StatusOr<ProtectedMessage> sealed = verifier.Seal(request.token(), "sealed answer", kAd);
  ASSERT_TRUE(sealed.ok());
  absl::StatusOr<std::string> opened = client->Open(*sealed, kAd);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "sealed answer");
  // No answer under a context that never sent a verified request.
  sts::v1::SecurityContextToken unknown;
  unknown.set_identifier("urn:uuid:99999999-0000-4000-8000-000000000000");
  unknown.set_instance("1");
  EXPECT_EQ(wire::FaultNameOf(verifier.Sign(unknown, "x", kAd).status()), "wsc:BadContextToken");
}

TEST_P(VerifierTest, UnknownContextsAreRefusedAndTheAnswerIsCachedBriefly) {
  VerifierOptions options = Options();
  options.negative_ttl = absl::Seconds(10);
  Verifier verifier(sts_, options);
  auto client = Client();
  ProtectedMessage m = Signed(*client);
  m.mutable_token()->set_identifier("urn:uuid:99999999-0000-4000-8000-000000000000");
  for (int i = 0; i < 5; ++i) {
    const absl::Status s = verifier.Verify(m, kAd).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(wire::FaultNameOf(s), "wsc:BadContextToken");
  }
  EXPECT_EQ(verifier.stats().validations, 1u);
  EXPECT_EQ(verifier.stats().negative_hits, 4u);
  clock_.Advance(absl::Seconds(11));
  m.set_sequence(m.sequence() + 1);
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(m, kAd).status()), "wsc:BadContextToken");
  EXPECT_EQ(verifier.stats().validations, 2u);
}

TEST_P(VerifierTest, ARenewedInstanceIsFetchedOnceAndTheOldOneRollsOver) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const std::shared_ptr<const InstanceKeys> first = client->current_keys();
  const ProtectedMessage before = Signed(*client);
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  ASSERT_TRUE(client->RenewNow().ok());
  const ProtectedMessage after = Signed(*client);
  EXPECT_EQ(after.token().instance(), "2");
  ASSERT_TRUE(verifier.Verify(after, kAd).ok());
  EXPECT_EQ(verifier.stats().validations, 2u);
  // A message made before the renewal, delivered late: inside the rollover.
  EXPECT_TRUE(verifier.Verify(before, kAd).ok());
  EXPECT_EQ(verifier.stats().validations, 2u);
  // After the rollover window the old instance is refused.
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  const absl::Status late = verifier.Verify(With(*first, 99), kAd).status();
  EXPECT_EQ(wire::FaultNameOf(late), "wsc:UnknownDerivationSource");
}

TEST_P(VerifierTest, AFreshVerifierRefusesAnInstancePastItsRollover) {
  auto client = Client();
  const std::shared_ptr<const InstanceKeys> first = client->current_keys();
  ASSERT_TRUE(client->RenewNow().ok());
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  // A verifier that never saw the context asks the STS about the old token;
  // a stateless STS answers "superseded", a stateful one releases only the
  // newer key. Either way the old instance is refused, and the new one works.
  Verifier verifier(sts_, Options());
  const absl::Status late = verifier.Verify(With(*first, 1), kAd).status();
  EXPECT_EQ(late.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(late), "wsc:UnknownDerivationSource");
  Verifier other(sts_, Options());
  EXPECT_TRUE(other.Verify(Signed(*client), kAd).ok());
}

TEST_P(VerifierTest, CancellationIsHonouredOnRevalidation) {
  VerifierOptions options = Options();
  options.revalidate_after = absl::Seconds(30);
  Verifier verifier(sts_, options);
  auto client = Client();
  const std::shared_ptr<const InstanceKeys> stolen = client->current_keys();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  ASSERT_TRUE(client->Cancel().ok());
  // Within the cache's freshness the stolen key still verifies...
  EXPECT_TRUE(verifier.Verify(With(*stolen, 1), kAd).ok());
  // ...then the re-validation learns of the cancellation.
  clock_.Advance(absl::Seconds(31));
  const absl::Status s = verifier.Verify(With(*stolen, 2), kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidSecurityToken");
}

TEST_P(VerifierTest, AFailedCheckRevalidatesOnceAndFindsTheCancellation) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const std::shared_ptr<const InstanceKeys> keys = client->current_keys();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  ASSERT_TRUE(client->Cancel().ok());
  ProtectedMessage bad = With(*keys, 5);
  bad.set_payload("changed");
  const absl::Status s = verifier.Verify(bad, kAd).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidSecurityToken");
  EXPECT_EQ(verifier.stats().validations, 2u);
}

TEST_P(VerifierTest, ForgedMessagesCostTheStsAtMostOneValidatePerInterval) {
  VerifierOptions options = Options();
  options.min_refresh_interval = absl::Seconds(1);
  Verifier verifier(sts_, options);
  auto client = Client();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  for (int i = 0; i < 50; ++i) {
    ProtectedMessage forged = Signed(*client);
    forged.mutable_tag()->front() ^= 1;
    EXPECT_EQ(wire::FaultNameOf(verifier.Verify(forged, kAd).status()),
              "wst:FailedAuthentication");
    ProtectedMessage other_instance = Signed(*client);
    other_instance.mutable_token()->set_instance(std::to_string(100 + i));
    EXPECT_EQ(wire::FaultNameOf(verifier.Verify(other_instance, kAd).status()),
              "wsc:UnknownDerivationSource");
  }
  EXPECT_EQ(verifier.stats().validations, 2u);  // the first, and one refresh
  clock_.Advance(absl::Seconds(1));
  ProtectedMessage forged = Signed(*client);
  forged.mutable_tag()->front() ^= 1;
  verifier.Verify(forged, kAd).IgnoreError();
  EXPECT_EQ(verifier.stats().validations, 3u);
  // The genuine client is unaffected.
  EXPECT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
}

TEST_P(VerifierTest, AForgedMessageCannotBlankTheKeysOfAConfirmedContext) {
  VerifierOptions options = Options();
  options.revalidate_after = absl::Seconds(30);
  options.min_refresh_interval = absl::Seconds(1);
  Verifier verifier(sts_, options);
  auto client = Client();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  const std::string cookie = client->token().cookie();
  struct Attack {
    const char* what;
    std::string instance;
    std::string cookie;
  };
  for (const Attack& attack : {
           Attack{"an unknown instance and a forged cookie", "99", "not a cookie the STS sealed"},
           Attack{"the current instance and a forged cookie", "1", "not a cookie the STS sealed"},
           Attack{"a cookie over the STS's 4 KiB limit", "1", std::string(5000, 'c')},
           Attack{"an unknown instance and a cookie over 4 KiB", "99", std::string(5000, 'c')},
           Attack{"an unknown instance and no cookie", "99", ""},
           Attack{"an unknown instance and the holder's cookie", "99", cookie},
       }) {
    clock_.Advance(absl::Seconds(1));  // never rate-limited: each may reach the STS
    EXPECT_FALSE(verifier.Verify(Forged(*client, attack.instance, attack.cookie), kAd).ok())
        << attack.what;
    const absl::Status holder = verifier.Verify(Signed(*client), kAd).status();
    EXPECT_TRUE(holder.ok()) << attack.what << ": " << holder;
  }
  // A revalidation that a forged message sets off asks about the token that
  // produced the keys, not about the forged message's cookie.
  clock_.Advance(absl::Seconds(31));
  EXPECT_FALSE(verifier.Verify(Forged(*client, "1", std::string(5000, 'c')), kAd).ok());
  const absl::Status holder = verifier.Verify(Signed(*client), kAd).status();
  EXPECT_TRUE(holder.ok()) << holder;
}

TEST_P(VerifierTest, ReplayingAnOldAuthenticTokenCannotDropANewerInstance) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const ProtectedMessage first = Signed(*client);
  ASSERT_TRUE(verifier.Verify(first, kAd).ok());
  ASSERT_TRUE(client->RenewNow().ok());
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  // The instance-1 token (its authentic cookie, in the stateless store) under
  // a tag that does not verify: the STS is asked about that token, and its
  // answer (instance 1 only; later "superseded") is merged, never replaces.
  for (absl::Duration later : {absl::Seconds(1), absl::Minutes(5) + absl::Seconds(1)}) {
    clock_.Advance(later);
    ProtectedMessage replayed = first;
    replayed.set_created_unix_nanos(absl::ToUnixNanos(clock_.Now()));
    EXPECT_FALSE(verifier.Verify(replayed, kAd).ok());
    const absl::Status holder = verifier.Verify(Signed(*client), kAd).status();
    EXPECT_TRUE(holder.ok()) << absl::FormatDuration(later) << ": " << holder;
  }
}

TEST_P(VerifierTest, AForgedCookieCannotPoisonTheHoldersFirstMessage) {
  VerifierOptions options = Options();
  options.negative_ttl = absl::Seconds(10);
  options.min_refresh_interval = absl::Seconds(1);
  Verifier verifier(sts_, options);
  auto client = Client();
  // Before the holder's first message, someone who knows the identifier
  // sends one with a cookie the STS refuses (in both stores).
  const ProtectedMessage forged = Forged(*client, "1", std::string(5000, 'c'));
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(forged, kAd).status()), "wst:InvalidRequest");
  // The holder's first message right after: the one lookup per interval for
  // this context is spent, so it is refused as retryable, and nothing is
  // cached about it.
  const absl::Status early = verifier.Verify(Signed(*client), kAd).status();
  EXPECT_EQ(early.code(), absl::StatusCode::kUnavailable) << early;
  EXPECT_EQ(wire::FaultNameOf(early), "wst:RequestFailed");
  EXPECT_EQ(verifier.stats().validations, 1u);
  // After the interval the holder's message verifies: the forged cookie's
  // refusal was about that cookie only.
  clock_.Advance(absl::Seconds(1));
  const absl::Status holder = verifier.Verify(Signed(*client), kAd).status();
  EXPECT_TRUE(holder.ok()) << holder;
  EXPECT_EQ(verifier.stats().validations, 2u);
  // The forged message again: its tag fails under the holder's keys, and the
  // STS is not asked again about its cookie (it has just refused it).
  ProtectedMessage again = forged;
  again.set_created_unix_nanos(absl::ToUnixNanos(clock_.Now()));
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(again, kAd).status()), "wst:FailedAuthentication");
  EXPECT_EQ(verifier.stats().validations, 2u);
  // Under an instance the holder does not have, its own refusal answers it.
  EXPECT_EQ(wire::FaultNameOf(
                verifier.Verify(Forged(*client, "2", std::string(5000, 'c')), kAd).status()),
            "wst:InvalidRequest");
  EXPECT_EQ(verifier.stats().validations, 2u);
  EXPECT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
}

TEST_P(VerifierTest, NewForgedCookiesCostTheStsOneValidatePerContextPerInterval) {
  VerifierOptions options = Options();
  options.min_refresh_interval = absl::Seconds(1);
  Verifier verifier(sts_, options);
  auto client = Client();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  for (int i = 0; i < 50; ++i) {
    // A new cookie each time, so no negative answer is ever reused.
    const absl::Status s =
        verifier.Verify(Forged(*client, "7", absl::StrCat("forged cookie ", i)), kAd).status();
    EXPECT_FALSE(s.ok());
  }
  EXPECT_EQ(verifier.stats().validations, 2u);  // the holder's, and one lookup
  clock_.Advance(absl::Seconds(1));
  verifier.Verify(Forged(*client, "7", "yet another"), kAd).IgnoreError();
  EXPECT_EQ(verifier.stats().validations, 3u);
  EXPECT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
}

TEST_P(VerifierTest, ExpiredContextsNeedRenewal) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  clock_.Advance(absl::Hours(1));
  // Made with the key of a context that has just expired.
  const absl::Status s = verifier.Verify(With(*client->current_keys(), 1), kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wsc:RenewNeeded");
}

TEST_P(VerifierTest, NoKeysForUsMeansPermissionDenied) {
  // A principal policy lets validate, but not as the contexts' audience.
  Verifier verifier(in_process_->ClientAs(testing::kInProcessBystander), Options());
  auto client = Client();
  const absl::Status s = verifier.Verify(Signed(*client), kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
}

TEST_P(VerifierTest, ExpectedAudienceIsEnforced) {
  VerifierOptions options = Options();
  options.expected_audience = "spiffe://test.example/someone-else";
  Verifier verifier(sts_, options);
  auto client = Client();
  EXPECT_EQ(verifier.Verify(Signed(*client), kAd).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_P(VerifierTest, KeysReleasedToTheContextsOwnerAreRefusedByDefault) {
  // A service of the context's owner verifying the owner's own context would
  // accept what the audience, which holds the same key, forged.
  Verifier owner(client_, Options());
  auto client = Client();
  const absl::Status s = owner.Verify(Signed(*client), kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
  // The audience's verifier accepts it; the owner's only when told to.
  Verifier audience(sts_, Options());
  EXPECT_TRUE(audience.Verify(Signed(*client), kAd).ok());
  VerifierOptions lenient = Options();
  lenient.accept_owner_keys = true;
  Verifier owner_on_purpose(client_, lenient);
  EXPECT_TRUE(owner_on_purpose.Verify(Signed(*client), kAd).ok());
}

TEST_P(VerifierTest, MessagesAreBoundToTheirReceiver) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const ProtectedMessage request = Signed(*client);
  EXPECT_EQ(request.receiver(), kAudience);  // the context's applies_to, by default
  ASSERT_TRUE(verifier.Verify(request, kAd).ok());
  // The answer names the holder, and the holder checks it.
  absl::StatusOr<ProtectedMessage> answer = verifier.Sign(request.token(), "answer", kAd);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->receiver(), "spiffe://test.example/client");
  EXPECT_TRUE(client->Verify(*answer, kAd).ok());
  // A holder that addresses its messages elsewhere, or nowhere, is refused
  // here before its tag is even checked.
  for (const std::string& addressed_to : {std::string("spiffe://test.example/billing"),
                                          std::string()}) {
    context::SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = RenewalMode::kManual;
    options.addressed_to = addressed_to;
    sts::v1::IssueRequest issue;
    issue.set_applies_to(kAudience);
    auto other = *SecurityContext::Issue(client_, issue, options);
    const absl::Status s = verifier.Verify(Signed(*other), kAd).status();
    EXPECT_EQ(wire::FaultNameOf(s), addressed_to.empty() ? "wst:InvalidRequest"
                                                         : "wst:FailedAuthentication")
        << s;
  }
  // An answer addressed to someone else is refused by the holder.
  ProtectedMessage misdirected = *answer;
  misdirected.set_receiver("spiffe://test.example/someone-else");
  EXPECT_EQ(wire::FaultNameOf(client->Verify(misdirected, kAd)), "wst:FailedAuthentication");
}

TEST_P(VerifierTest, PSha1MessagesAreRefusedUnlessTheReceiverOptsIn) {
  // P_SHA1 DerivedKeyToken keys are not separated by direction.
  context::SecurityContextOptions options;
  options.clock = &clock_;
  options.renewal = RenewalMode::kManual;
  options.derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
  sts::v1::IssueRequest request;
  request.set_applies_to(kAudience);
  absl::StatusOr<std::unique_ptr<SecurityContext>> client =
      SecurityContext::Issue(client_, request, options);
  ASSERT_TRUE(client.ok()) << client.status();
  Verifier verifier(sts_, Options());
  const absl::Status s = verifier.Verify(Signed(**client), kAd).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest") << s;
  EXPECT_EQ(verifier.stats().validations, 0u);  // refused before any lookup
  VerifierOptions interop = Options();
  interop.receiver.accept_psha1 = true;
  Verifier opted_in(sts_, interop);
  EXPECT_TRUE(opted_in.Verify(Signed(**client), kAd).ok());
}

TEST_P(VerifierTest, CachedKeysOutliveAnStsOutageButNewContextsDoNot) {
  VerifierOptions options = Options();
  options.revalidate_after = absl::Seconds(30);
  options.min_refresh_interval = absl::Seconds(1);
  Verifier verifier(sts_, options);
  auto known = Client();
  auto unknown = Client();
  ASSERT_TRUE(verifier.Verify(Signed(*known), kAd).ok());
  sts_->FailValidate(wire::Refuse(wire::Refusal::kUnavailable, "STS down"));
  clock_.Advance(absl::Seconds(31));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(verifier.Verify(Signed(*known), kAd).ok());
  const absl::Status s = verifier.Verify(Signed(*unknown), kAd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  // One attempt for each context, none more within the interval.
  EXPECT_EQ(verifier.stats().validations, 3u);
  sts_->FailValidate(absl::OkStatus());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(verifier.Verify(Signed(*unknown), kAd).ok());
}

TEST_P(VerifierTest, TheCacheIsBounded) {
  VerifierOptions options = Options();
  options.max_contexts = 3;
  Verifier verifier(sts_, options);
  std::vector<std::unique_ptr<SecurityContext>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(Client());
    ASSERT_TRUE(verifier.Verify(Signed(*clients.back()), kAd).ok());
  }
  EXPECT_EQ(verifier.stats().contexts, 3u);
  EXPECT_EQ(verifier.stats().evictions, 2u);
  // The most recently used are kept; an evicted one is fetched again.
  ASSERT_TRUE(verifier.Verify(Signed(*clients[4]), kAd).ok());
  EXPECT_EQ(verifier.stats().validations, 5u);
  ASSERT_TRUE(verifier.Verify(Signed(*clients[0]), kAd).ok());
  EXPECT_EQ(verifier.stats().validations, 6u);
}

TEST_P(VerifierTest, MessagesUnderMadeUpIdentifiersCannotEvictConfirmedContexts) {
  VerifierOptions options = Options();
  options.max_contexts = 3;
  Verifier verifier(sts_, options);
  auto client = Client();
  ASSERT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  for (int i = 0; i < 10; ++i) {
    ProtectedMessage m = Signed(*client);
    m.mutable_token()->set_identifier(
        absl::StrCat("urn:uuid:99999999-0000-4000-8000-0000000000", 10 + i));
    EXPECT_FALSE(verifier.Verify(m, kAd).ok());
  }
  // The confirmed context is still cached: no new Validate for it.
  const uint64_t validations = verifier.stats().validations;
  EXPECT_TRUE(verifier.Verify(Signed(*client), kAd).ok());
  EXPECT_EQ(verifier.stats().validations, validations);
  EXPECT_LE(verifier.stats().contexts, 2 * options.max_contexts);
}

TEST_P(VerifierTest, ConcurrentMissesShareOneValidate) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  std::vector<ProtectedMessage> messages;
  for (int i = 0; i < 64; ++i) messages.push_back(Signed(*client));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < messages.size(); i += 4) {
        if (verifier.Verify(messages[i], kAd).ok()) ok.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 64);
  EXPECT_EQ(verifier.stats().validations, 1u);
}

TEST_P(VerifierTest, ReplaysAndStaleMessagesAreRefused) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const ProtectedMessage m = Signed(*client);
  ASSERT_TRUE(verifier.Verify(m, kAd).ok());
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(m, kAd).status()), "wst:FailedAuthentication");
  const ProtectedMessage held = Signed(*client);
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(held, kAd).status()), "wst:ExpiredData");
  // A message for another RPC (associated data) does not verify.
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(Signed(*client), "/other/Method").status()),
            "wst:FailedAuthentication");
}

// A view (as client/grpc carries a call) verifies as its message does:
// through the same cache and replay windows, and with the same refusals.
TEST_P(VerifierTest, ViewsVerifyAsTheirMessagesDo) {
  Verifier verifier(sts_, Options());
  auto client = Client();
  const ProtectedMessage m = Signed(*client);
  const std::optional<protect::MessageView> view = protect::ViewOf(m);
  ASSERT_TRUE(view.has_value());
  absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> who = verifier.Verify(*view, kAd);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ((*who)->identifier, client->identifier());
  // The message it views is now a replay, and so is the view.
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(m, kAd).status()), "wst:FailedAuthentication");
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(*view, kAd).status()), "wst:FailedAuthentication");

  const ProtectedMessage next = Signed(*client);
  protect::MessageView tampered = *protect::ViewOf(next);
  tampered.payload = "another request";
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(tampered, kAd).status()),
            "wst:FailedAuthentication");
  protect::MessageView unknown = *protect::ViewOf(next);
  unknown.identifier = "urn:uuid:99999999-9999-4999-8999-999999999999";
  EXPECT_EQ(wire::FaultNameOf(verifier.Verify(unknown, kAd).status()), "wsc:BadContextToken");
  // Nothing refused above moved the window: the untampered view still verifies.
  EXPECT_TRUE(verifier.Verify(*protect::ViewOf(next), kAd).ok());
}

// An STS that cannot read the shared revocation state answers status-only,
// marked: the relying party treats it as an outage (retry), never as a
// verdict on the context, and works again once keys are released.
TEST(VerifierScriptedTest, AProvisionalStatusOnlyAnswerIsAnOutage) {
  FakeClock clock;
  auto sts = std::make_shared<::testing::NiceMock<context::MockStsApi>>();
  // The holder's context, issued by the in-process STS, and the real answer
  // it would give, to replay with and without keys.
  std::unique_ptr<InProcessSts> real = MakeSts(&clock, StoreKind::kKeyring);
  auto holder = real->ClientAs(testing::kInProcessClient);
  auto audience = real->ClientAs(testing::kInProcessAudience);
  context::SecurityContextOptions options;
  options.clock = &clock;
  options.renewal = RenewalMode::kManual;
  sts::v1::IssueRequest request;
  request.set_applies_to(kAudience);
  std::unique_ptr<SecurityContext> client = *SecurityContext::Issue(holder, request, options);
  sts::v1::ValidateResponse full = *audience->Validate(client->token());
  sts::v1::ValidateResponse provisional = full;
  provisional.clear_keys();
  provisional.set_keys_released_to(sts::v1::ValidateResponse::KEYS_RELEASED_TO_UNSPECIFIED);
  provisional.set_revocation_state_unknown(true);
  EXPECT_CALL(*sts, Validate(::testing::_))
      .WillOnce(::testing::Return(provisional))
      .WillOnce(::testing::Return(full));

  VerifierOptions vo;
  vo.clock = &clock;
  Verifier verifier(sts, vo);
  const absl::Status outage = verifier.Verify(*client->Sign("p", kAd), kAd).status();
  EXPECT_EQ(outage.code(), absl::StatusCode::kUnavailable) << outage;
  clock.Advance(vo.min_refresh_interval);
  EXPECT_TRUE(verifier.Verify(*client->Sign("p", kAd), kAd).ok());
}

}  // namespace
}  // namespace sts::verifier
