// The WS-Trust bindings end to end in-process, on a fake clock: every success
// path and every refusal, including the time-dependent ones (expiry, rollover
// windows, stale proofs) that an out-of-process test could only see by
// sleeping.
#include "sts/token/token_service.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "client/crypto/bytes.h"
#include "client/crypto/kdf.h"
#include "client/wire/computed_key.h"
#include "client/wire/fault.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "sts/policy/policy.h"
#include "tests/harness/in_process_sts.h"

namespace sts::token {
namespace {

using sts::v1::CancelRequest;
using sts::v1::CancelResponse;
using sts::v1::IssueRequest;
using sts::v1::RenewRequest;
using sts::v1::RequestSecurityTokenResponse;
using sts::v1::ValidateRequest;
using sts::v1::ValidateResponse;

constexpr char kAlice[] = "spiffe://example.org/ns/web/alice";
constexpr char kBob[] = "spiffe://example.org/ns/web/bob";
constexpr char kApi[] = "spiffe://example.org/ns/api/orders";
constexpr char kStranger[] = "spiffe://example.org/ns/other/eve";

// Every test runs over both stores: the keyring (stateful) and sealed
// cookies over in-process replica state (stateless). Where the two differ by
// nature, the test says so.
class TokenServiceTest : public ::testing::TestWithParam<testing::StoreKind> {
 protected:
  TokenServiceTest() { Rebuild(); }

  bool Stateless() const { return GetParam() == testing::StoreKind::kCookie; }

  void Rebuild() {
    sts::config::PolicyConfig policy;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
      issue { principal: "spiffe://example.org/ns/web/*" applies_to: "spiffe://example.org/ns/api/*" applies_to: "" }
      validate { principal: "spiffe://example.org/ns/api/*" release_keys_to_audience: true }
      validate { principal: "spiffe://example.org/ns/web/*" }
    )pb", &policy));
    testing::InProcessStsOptions options;
    options.store = GetParam();
    options.tokens = options_;
    options.limits = limits_;
    options.policy = policy;
    options.replay_entries = replay_entries_;
    options.replay_entries_per_principal = replay_entries_per_principal_;
    absl::StatusOr<std::unique_ptr<testing::InProcessSts>> sts =
        testing::InProcessSts::Create(&clock_, options);
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = *std::move(sts);
    service_ = &sts_->service();
  }

  RequestSecurityTokenResponse MustIssue(const std::string& principal = kAlice,
                                         const std::string& applies_to = kApi) {
    IssueRequest request;
    request.set_applies_to(applies_to);
    RequestSecurityTokenResponse response;
    absl::Status s = service_->Issue(principal, request, &response);
    EXPECT_TRUE(s.ok()) << s;
    return response;
  }

  static std::string KeyOf(const RequestSecurityTokenResponse& r) {
    return r.requested_proof_token().binary_secret().value();
  }

  // The token a holder presents back: identifier and, for a stateless
  // context, its cookie.
  static sts::v1::SecurityContextToken Target(const RequestSecurityTokenResponse& r) {
    sts::v1::SecurityContextToken target;
    target.set_identifier(r.requested_security_token().identifier());
    target.set_cookie(r.requested_security_token().cookie());
    return target;
  }

  RenewRequest RenewOf(const RequestSecurityTokenResponse& token, const std::string& key,
                       absl::Time at) {
    RenewRequest request;
    *request.mutable_renew_target() = Target(token);
    Sign(wire::kRenewMethod, token.requested_security_token().identifier(),
         token.requested_security_token().instance(), key, at, &request);
    return request;
  }

  CancelRequest CancelOf(const RequestSecurityTokenResponse& token, const std::string& key,
                         absl::Time at) {
    CancelRequest request;
    *request.mutable_cancel_target() = Target(token);
    Sign(wire::kCancelMethod, token.requested_security_token().identifier(),
         token.requested_security_token().instance(), key, at, &request);
    return request;
  }

  template <class Request>
  static void Sign(absl::string_view method, const std::string& id, const std::string& instance,
                   const std::string& key, absl::Time at, Request* request) {
    request->clear_proof();
    ASSERT_TRUE(wire::MakeProof({method, id, instance}, crypto::AsBytes(key), at,
                                wire::RequestDigest(*request), request->mutable_proof())
                    .ok());
  }

  absl::Status Renew(const RenewRequest& request, RequestSecurityTokenResponse* out = nullptr,
                     const std::string& principal = kAlice) {
    RequestSecurityTokenResponse scratch;
    return service_->Renew(principal, request, out ? out : &scratch);
  }

  absl::Status Cancel(const CancelRequest& request, const std::string& principal = kAlice) {
    CancelResponse response;
    absl::Status s = service_->Cancel(principal, request, &response);
    if (s.ok()) EXPECT_TRUE(response.requested_token_cancelled());
    return s;
  }

  ValidateResponse Validate(const RequestSecurityTokenResponse& token, const std::string& caller) {
    ValidateRequest request;
    *request.mutable_validate_target() = Target(token);
    ValidateResponse response;
    absl::Status s = service_->Validate(caller, request, &response);
    EXPECT_TRUE(s.ok()) << s;
    return response;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  TokenOptions options_;
  keyring::Keyring::Limits limits_;
  size_t replay_entries_ = 900'000;
  size_t replay_entries_per_principal_ = 16'384;
  std::unique_ptr<testing::InProcessSts> sts_;
  const TokenService* service_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(BothStores, TokenServiceTest,
                         ::testing::Values(testing::StoreKind::kKeyring,
                                           testing::StoreKind::kCookie),
                         [](const ::testing::TestParamInfo<testing::StoreKind>& info) {
                           return info.param == testing::StoreKind::kKeyring ? "Keyring"
                                                                              : "Cookie";
                         });

// --- Issue -------------------------------------------------------------------

TEST_P(TokenServiceTest, IssueReturnsAWsTrustResponseWithAServerKey) {
  IssueRequest request;
  request.set_context("ctx-1");
  request.set_applies_to(kApi);
  RequestSecurityTokenResponse r;
  ASSERT_TRUE(service_->Issue(kAlice, request, &r).ok());
  EXPECT_EQ(r.context(), "ctx-1");
  EXPECT_EQ(r.token_type(), wire::kTokenTypeSct);
  const std::string& id = r.requested_security_token().identifier();
  EXPECT_EQ(id.rfind("urn:uuid:", 0), 0u);
  EXPECT_EQ(r.requested_security_token().instance(), "1");
  EXPECT_EQ(r.requested_attached_reference().uri(), "#" + r.requested_security_token().wsu_id());
  EXPECT_EQ(r.requested_unattached_reference().uri(), id);
  EXPECT_EQ(r.requested_proof_token().binary_secret().type(), wire::kBinarySecretSymmetricKey);
  EXPECT_EQ(KeyOf(r).size(), 32u);
  EXPECT_EQ(r.key_size(), 256u);
  EXPECT_EQ(r.lifetime().expires().seconds() - r.lifetime().created().seconds(), 3600);
  EXPECT_EQ(r.principal(), kAlice);
  EXPECT_EQ(r.applies_to(), kApi);
  EXPECT_FALSE(r.has_entropy());
}

TEST_P(TokenServiceTest, TwoIssuesGiveDistinctIdentifiersAndKeys) {
  const RequestSecurityTokenResponse a = MustIssue();
  const RequestSecurityTokenResponse b = MustIssue();
  EXPECT_NE(a.requested_security_token().identifier(), b.requested_security_token().identifier());
  EXPECT_NE(KeyOf(a), KeyOf(b));
}

TEST_P(TokenServiceTest, IssueHonoursKeySizeAndRefusesOutOfRange) {
  for (uint32_t bits : {128u, 192u, 512u}) {
    IssueRequest request;
    request.set_key_size(bits);
    RequestSecurityTokenResponse r;
    ASSERT_TRUE(service_->Issue(kAlice, request, &r).ok());
    EXPECT_EQ(KeyOf(r).size(), bits / 8);
    EXPECT_EQ(r.key_size(), bits);
  }
  for (uint32_t bits : {64u, 127u, 130u, 520u, 1024u}) {
    IssueRequest request;
    request.set_key_size(bits);
    RequestSecurityTokenResponse r;
    absl::Status s = service_->Issue(kAlice, request, &r);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bits;
    EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest");
  }
}

TEST_P(TokenServiceTest, IssueClampsTheLifetimeToTheMaximum) {
  IssueRequest request;
  request.mutable_lifetime()->set_seconds(48 * 3600);
  RequestSecurityTokenResponse r;
  ASSERT_TRUE(service_->Issue(kAlice, request, &r).ok());
  EXPECT_EQ(r.lifetime().expires().seconds() - r.lifetime().created().seconds(), 12 * 3600);
  request.mutable_lifetime()->set_seconds(-5);
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
}

TEST_P(TokenServiceTest, IssueRefusesOtherTokenTypesRequestTypesAndKeyTypes) {
  RequestSecurityTokenResponse r;
  IssueRequest request;
  request.set_token_type("http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0");
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
  request.Clear();
  request.set_token_type(std::string(wire::kTokenTypeSct2005));  // WCF's older namespace is fine
  EXPECT_TRUE(service_->Issue(kAlice, request, &r).ok());
  request.Clear();
  request.set_request_type(std::string(wire::kRequestTypeRenew));
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
  request.Clear();
  request.set_key_type("http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey");
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
}

TEST_P(TokenServiceTest, IssueRefusesOversizedFieldsBeforeAnyWork) {
  IssueRequest request;
  request.set_applies_to(std::string(4096, 'a'));
  RequestSecurityTokenResponse r;
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
  if (!Stateless()) {
    EXPECT_EQ(sts_->keyring_stats()->live, 0u);
  }
}

TEST_P(TokenServiceTest, IssueAppliesPolicy) {
  RequestSecurityTokenResponse r;
  IssueRequest request;
  request.set_applies_to("spiffe://example.org/ns/db/main");
  absl::Status s = service_->Issue(kAlice, request, &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
  request.set_applies_to(kApi);
  EXPECT_EQ(service_->Issue(kStranger, request, &r).code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(TokenServiceTest, ClientEntropyYieldsAComputedPSha1KeyThatNeverTravels) {
  IssueRequest request;
  const std::string client_entropy(32, '\x11');
  request.mutable_entropy()->mutable_binary_secret()->set_value(client_entropy);
  request.mutable_entropy()->mutable_binary_secret()->set_type(std::string(wire::kBinarySecretNonce));
  RequestSecurityTokenResponse r;
  ASSERT_TRUE(service_->Issue(kAlice, request, &r).ok());
  EXPECT_EQ(r.requested_proof_token().computed_key(), wire::kComputedKeyPSha1);
  EXPECT_FALSE(r.requested_proof_token().has_binary_secret());
  const std::string& server_entropy = r.entropy().binary_secret().value();
  EXPECT_EQ(r.entropy().binary_secret().type(), wire::kBinarySecretNonce);
  ASSERT_GE(server_entropy.size(), 32u);
  // The client computes the key as the spec says; the STS holds the same.
  absl::StatusOr<crypto::SecretBytes> key = crypto::PSha1(
      crypto::AsBytes(client_entropy), crypto::AsBytes(server_entropy), 0, 32);
  ASSERT_TRUE(key.ok());
  const std::string key_text(reinterpret_cast<const char*>(key->data()), key->size());
  ValidateResponse v = Validate(r, kAlice);
  ASSERT_EQ(v.keys_size(), 1);
  EXPECT_EQ(v.keys(0).key(), key_text);
}

TEST_P(TokenServiceTest, HkdfComputedKeyVariant) {
  IssueRequest request;
  const std::string client_entropy(16, '\x22');
  request.set_key_size(128);
  request.mutable_entropy()->mutable_binary_secret()->set_value(client_entropy);
  request.set_computed_key_algorithm(std::string(wire::kComputedKeyHkdfSha256));
  RequestSecurityTokenResponse r;
  ASSERT_TRUE(service_->Issue(kAlice, request, &r).ok());
  EXPECT_EQ(r.requested_proof_token().computed_key(), wire::kComputedKeyHkdfSha256);
  absl::StatusOr<crypto::SecretBytes> key =
      crypto::HkdfSha256(crypto::AsBytes(client_entropy),
                         crypto::AsBytes(r.entropy().binary_secret().value()),
                         wire::kComputedKeyHkdfInfo, 16);
  ValidateResponse v = Validate(r, kAlice);
  EXPECT_EQ(v.keys(0).key(), std::string(reinterpret_cast<const char*>(key->data()), key->size()));
}

TEST_P(TokenServiceTest, EntropyShorterThanTheKeyOrUnknownAlgorithmIsRefused) {
  IssueRequest request;
  request.mutable_entropy()->mutable_binary_secret()->set_value(std::string(31, 'e'));
  RequestSecurityTokenResponse r;
  absl::Status s = service_->Issue(kAlice, request, &r);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest");
  EXPECT_NE(s.message().find("at least"), std::string::npos);
  request.mutable_entropy()->mutable_binary_secret()->set_value(std::string(32, 'e'));
  request.set_computed_key_algorithm("urn:unknown");
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
  request.clear_entropy();  // an algorithm without entropy makes no sense
  request.set_computed_key_algorithm(std::string(wire::kComputedKeyPSha1));
  EXPECT_EQ(wire::FaultNameOf(service_->Issue(kAlice, request, &r)), "wst:InvalidRequest");
}

TEST_P(TokenServiceTest, PerPrincipalQuotaRefusesAndRecoversAfterCancel) {
  if (Stateless()) GTEST_SKIP() << "a stateless store counts nothing, so it has no quotas";
  limits_.max_live_per_principal = 2;
  Rebuild();
  const RequestSecurityTokenResponse first = MustIssue();
  MustIssue();
  IssueRequest request;
  RequestSecurityTokenResponse r;
  absl::Status s = service_->Issue(kAlice, request, &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
  EXPECT_TRUE(service_->Issue(kBob, request, &r).ok());
  ASSERT_TRUE(Cancel(CancelOf(first, KeyOf(first), clock_.Now())).ok());
  EXPECT_TRUE(service_->Issue(kAlice, request, &r).ok());
}

// --- Renew -------------------------------------------------------------------

TEST_P(TokenServiceTest, RenewGivesANewInstanceKeyAndExpiry) {
  const RequestSecurityTokenResponse token = MustIssue();
  clock_.Advance(absl::Minutes(30));
  RequestSecurityTokenResponse renewed;
  ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &renewed).ok());
  EXPECT_EQ(renewed.requested_security_token().identifier(),
            token.requested_security_token().identifier());
  EXPECT_EQ(renewed.requested_security_token().instance(), "2");
  EXPECT_NE(KeyOf(renewed), KeyOf(token));
  EXPECT_EQ(renewed.lifetime().expires().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  EXPECT_EQ(renewed.applies_to(), kApi);
  // The audience now sees both keys: the new one and the old one rolling over.
  ValidateResponse v = Validate(renewed, kApi);
  ASSERT_EQ(v.keys_size(), 2);
  EXPECT_EQ(v.keys(0).instance(), "2");
  EXPECT_EQ(v.keys(0).key(), KeyOf(renewed));
  EXPECT_EQ(v.keys(1).instance(), "1");
  EXPECT_EQ(v.keys(1).key(), KeyOf(token));
}

TEST_P(TokenServiceTest, TheOldKeyProvesPossessionOnlyInsideTheRolloverWindow) {
  const RequestSecurityTokenResponse token = MustIssue();
  RequestSecurityTokenResponse renewed;
  ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &renewed).ok());
  clock_.Advance(absl::Minutes(4));
  // Still inside the 5-minute window: the old key may renew again.
  RequestSecurityTokenResponse again;
  ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &again).ok());
  EXPECT_EQ(again.requested_security_token().instance(), "3");
  clock_.Advance(absl::Minutes(2));
  absl::Status late = Renew(RenewOf(token, KeyOf(token), clock_.Now()));
  EXPECT_EQ(late.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(late), "wsc:UnknownDerivationSource");
  // The current key still works.
  EXPECT_TRUE(Renew(RenewOf(again, KeyOf(again), clock_.Now())).ok());
}

TEST_P(TokenServiceTest, RenewRefusesMissingWrongStaleAndReplayedProofs) {
  const RequestSecurityTokenResponse token = MustIssue();
  RenewRequest no_proof;
  *no_proof.mutable_renew_target() = Target(token);
  EXPECT_EQ(wire::FaultNameOf(Renew(no_proof)), "wst:FailedAuthentication");

  EXPECT_EQ(wire::FaultNameOf(Renew(RenewOf(token, std::string(32, 'x'), clock_.Now()))),
            "wst:FailedAuthentication");
  EXPECT_EQ(wire::FaultNameOf(Renew(RenewOf(token, KeyOf(token), clock_.Now() - absl::Minutes(6)))),
            "wst:ExpiredData");

  RenewRequest once = RenewOf(token, KeyOf(token), clock_.Now());
  ASSERT_TRUE(Renew(once).ok());
  absl::Status replay = Renew(once);
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(replay.message().find("replay"), std::string::npos) << replay;
}

// Security review, high 2: one principal renewing as fast as it can, with a
// fresh nonce each time, fills at most its own share of the replay cache
// and meets its own rate limit; another principal's Renew still succeeds.
TEST_P(TokenServiceTest, OnePrincipalGrindingNoncesCannotRefuseAnothersRenew) {
  replay_entries_ = 64;
  replay_entries_per_principal_ = 8;
  Rebuild();
  RequestSecurityTokenResponse mine = MustIssue(kBob);
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    // Each Renew of the newest token, proved afresh: every proof is valid.
    RequestSecurityTokenResponse renewed;
    absl::Status s = Renew(RenewOf(mine, KeyOf(mine), clock_.Now()), &renewed, kBob);
    if (s.ok()) mine = renewed;
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
      EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  const RequestSecurityTokenResponse alice = MustIssue(kAlice);
  EXPECT_TRUE(Renew(RenewOf(alice, KeyOf(alice), clock_.Now())).ok());
  EXPECT_TRUE(Cancel(CancelOf(alice, KeyOf(alice), clock_.Now())).ok());
}

// Security review, low 11: the proof's MAC covers the identifier exactly as
// the request sends it (docs/PROOF_OF_POSSESSION.md section 3), in whatever
// case; and a case variant is the same context for the replay cache.
TEST_P(TokenServiceTest, TheProofCoversTheIdentifierAsSent) {
  const RequestSecurityTokenResponse token = MustIssue();
  RequestSecurityTokenResponse upper = token;
  upper.mutable_requested_security_token()->set_identifier(
      absl::AsciiStrToUpper(token.requested_security_token().identifier()));
  const RenewRequest request = RenewOf(upper, KeyOf(token), clock_.Now());
  ASSERT_TRUE(Renew(request).ok());
  // The same proof with the canonical spelling no longer matches its MAC...
  RenewRequest lower = request;
  lower.mutable_renew_target()->set_identifier(token.requested_security_token().identifier());
  EXPECT_EQ(wire::FaultNameOf(Renew(lower)), "wst:FailedAuthentication");
  // ...and sent again as it was, it is a replay.
  absl::Status replay = Renew(request);
  EXPECT_NE(replay.message().find("replay"), std::string::npos) << replay;
}

// Security review, medium 9: Renew checks the policy again, so a principal
// whose rights were removed cannot keep its contexts alive by renewing.
TEST_P(TokenServiceTest, RenewChecksThePolicyAgain) {
  const RequestSecurityTokenResponse token = MustIssue(kAlice, kApi);
  sts::config::PolicyConfig narrowed;
  narrowed.add_issue()->add_principal(kBob);
  narrowed.mutable_issue(0)->add_applies_to("*");
  sts_->SetPolicy(*policy::Policy::FromConfig(narrowed));
  absl::Status s = Renew(RenewOf(token, KeyOf(token), clock_.Now()));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
}

// Security review, medium 9: a context has a maximum total age
// (tokens.max_context_age); renewals never extend it past that.
TEST_P(TokenServiceTest, AContextCannotBeRenewedPastItsMaximumAge) {
  options_.max_context_age = absl::Hours(3);
  Rebuild();
  RequestSecurityTokenResponse token = MustIssue();
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(absl::Minutes(59));
    RequestSecurityTokenResponse renewed;
    ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &renewed).ok()) << i;
    token = renewed;
  }
  // 1 h 58 min old: the next renewal may only reach the 3-hour mark.
  clock_.Advance(absl::Minutes(59));
  RequestSecurityTokenResponse last;
  ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &last).ok());
  EXPECT_EQ(last.lifetime().expires().seconds(), 1'800'000'000 + 3 * 3600);
  // At the 3-hour mark nothing more is granted.
  clock_.Advance(absl::Minutes(3) + absl::Seconds(30));
  absl::Status s = Renew(RenewOf(last, KeyOf(last), clock_.Now()));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:ExpiredData");
  EXPECT_NE(s.message().find("maximum age"), std::string::npos) << s;
}

// Security review, low 13 (docs/PROOF_OF_POSSESSION.md section 2): a Renew
// or Cancel carrying fields this STS does not know is refused, even with a
// proof made over them: the STS cannot vouch for what it does not understand.
TEST_P(TokenServiceTest, RequestsWithUnknownFieldsAreRefused) {
  const RequestSecurityTokenResponse token = MustIssue();
  RenewRequest renew;
  *renew.mutable_renew_target() = Target(token);
  renew.GetReflection()->MutableUnknownFields(&renew)->AddVarint(99, 1);
  Sign(wire::kRenewMethod, token.requested_security_token().identifier(),
       token.requested_security_token().instance(), KeyOf(token), clock_.Now(), &renew);
  absl::Status s = Renew(renew);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest");

  CancelRequest cancel;
  *cancel.mutable_cancel_target() = Target(token);
  cancel.mutable_cancel_target()->GetReflection()
      ->MutableUnknownFields(cancel.mutable_cancel_target())
      ->AddLengthDelimited(42, "x");
  Sign(wire::kCancelMethod, token.requested_security_token().identifier(),
       token.requested_security_token().instance(), KeyOf(token), clock_.Now(), &cancel);
  EXPECT_EQ(wire::FaultNameOf(Cancel(cancel)), "wst:InvalidRequest");
  // Nothing was changed by either.
  EXPECT_EQ(Validate(token, kAlice).status().code(), wire::kStatusValid);
}

TEST_P(TokenServiceTest, AProofCoversTheRequestParameters) {
  const RequestSecurityTokenResponse token = MustIssue();
  RenewRequest request = RenewOf(token, KeyOf(token), clock_.Now());
  request.mutable_lifetime()->set_seconds(12 * 3600);  // tampered after signing
  EXPECT_EQ(wire::FaultNameOf(Renew(request)), "wst:FailedAuthentication");
}

TEST_P(TokenServiceTest, OnlyTheOwnerMayRenewEvenWithTheKey) {
  const RequestSecurityTokenResponse token = MustIssue();
  // The audience learns the key through Validate, yet may not renew.
  absl::Status s = Renew(RenewOf(token, KeyOf(token), clock_.Now()), nullptr, kApi);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(TokenServiceTest, RenewingAnExpiredTokenIsRefusedByDefault) {
  const RequestSecurityTokenResponse token = MustIssue();
  clock_.Advance(absl::Hours(1));
  absl::Status s = Renew(RenewOf(token, KeyOf(token), clock_.Now()));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:ExpiredData");
  // Also once swept.
  sts_->Sweep();
  EXPECT_EQ(wire::FaultNameOf(Renew(RenewOf(token, KeyOf(token), clock_.Now()))), "wst:ExpiredData");
}

TEST_P(TokenServiceTest, RenewingAnExpiredTokenWhenAllowedIsCappedByMaxAge) {
  options_.allow_expired_renewal = true;
  options_.expired_renewal_max_age = absl::Minutes(10);
  options_.retention = absl::Minutes(30);  // remembered as expired after max age
  Rebuild();
  const RequestSecurityTokenResponse token = MustIssue();
  clock_.Advance(absl::Hours(1) + absl::Minutes(5));
  sts_->Sweep();
  RequestSecurityTokenResponse renewed;
  ASSERT_TRUE(Renew(RenewOf(token, KeyOf(token), clock_.Now()), &renewed).ok());
  EXPECT_EQ(Validate(renewed, kAlice).status().code(), wire::kStatusValid);

  const RequestSecurityTokenResponse other = MustIssue();
  clock_.Advance(absl::Hours(1) + absl::Minutes(11));
  sts_->Sweep();
  EXPECT_EQ(wire::FaultNameOf(Renew(RenewOf(other, KeyOf(other), clock_.Now()))), "wst:ExpiredData");
  // Past the retention period a stateful store forgets the context; a cookie
  // still says what it is.
  clock_.Advance(absl::Minutes(30));
  sts_->Sweep();
  EXPECT_EQ(wire::FaultNameOf(Renew(RenewOf(other, KeyOf(other), clock_.Now()))),
            Stateless() ? "wst:ExpiredData" : "wsc:BadContextToken");
}

TEST_P(TokenServiceTest, RenewOfUnknownOrMalformedTargets) {
  RenewRequest request;
  request.mutable_renew_target()->set_identifier("urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8");
  absl::Status unknown = Renew(request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(wire::FaultNameOf(unknown), "wsc:BadContextToken");
  request.mutable_renew_target()->set_identifier("not-a-urn");
  EXPECT_EQ(wire::FaultNameOf(Renew(request)), "wst:InvalidRequest");
}

// --- Cancel ------------------------------------------------------------------

TEST_P(TokenServiceTest, CancelDestroysTheContextAndIsIdempotentForTheHolder) {
  const RequestSecurityTokenResponse token = MustIssue();
  ASSERT_TRUE(Cancel(CancelOf(token, KeyOf(token), clock_.Now())).ok());
  ValidateResponse v = Validate(token, kApi);
  EXPECT_EQ(v.status().code(), wire::kStatusInvalid);
  EXPECT_EQ(v.status().reason(), "cancelled");
  EXPECT_EQ(v.keys_size(), 0);
  EXPECT_TRUE(Cancel(CancelOf(token, KeyOf(token), clock_.Now())).ok());
  absl::Status renew = Renew(RenewOf(token, KeyOf(token), clock_.Now()));
  EXPECT_EQ(renew.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(renew), "wst:InvalidSecurityToken");
  // Never valid again, even after the retention period forgets it.
  clock_.Advance(absl::Hours(2));
  sts_->Sweep();
  EXPECT_EQ(Validate(token, kApi).status().code(), wire::kStatusInvalid);
}

TEST_P(TokenServiceTest, CancelRequiresProofAndOwnership) {
  const RequestSecurityTokenResponse token = MustIssue();
  EXPECT_EQ(wire::FaultNameOf(Cancel(CancelOf(token, std::string(32, 'x'), clock_.Now()))),
            "wst:FailedAuthentication");
  EXPECT_EQ(Cancel(CancelOf(token, KeyOf(token), clock_.Now()), kApi).code(),
            absl::StatusCode::kPermissionDenied);
  // A Renew proof is not a Cancel proof.
  CancelRequest request = CancelOf(token, KeyOf(token), clock_.Now());
  Sign(wire::kRenewMethod, token.requested_security_token().identifier(), "1", KeyOf(token),
       clock_.Now(), &request);
  EXPECT_EQ(wire::FaultNameOf(Cancel(request)), "wst:FailedAuthentication");
  EXPECT_EQ(Validate(token, kAlice).status().code(), wire::kStatusValid);
}

// Security review, high 1: a cancellation is remembered for as long as any
// token ever minted for the identifier could still be used, here the 12-hour
// original after a 1-hour renewal (in cookie mode the replica state used to
// be forgotten with the renewed cookie, and the original validated again).
TEST_P(TokenServiceTest, ACancellationOutlivesTheShortestTokenOfTheContext) {
  IssueRequest long_lived;
  long_lived.set_applies_to(kApi);
  long_lived.mutable_lifetime()->set_seconds(12 * 3600);
  RequestSecurityTokenResponse original;
  ASSERT_TRUE(service_->Issue(kAlice, long_lived, &original).ok());
  RequestSecurityTokenResponse renewed;
  ASSERT_TRUE(Renew(RenewOf(original, KeyOf(original), clock_.Now()), &renewed).ok());
  ASSERT_TRUE(Cancel(CancelOf(renewed, KeyOf(renewed), clock_.Now())).ok());
  // Past the renewed token's life and retention, and past the original's
  // rollover window, but well inside the original's own lifetime.
  for (absl::Duration step : {absl::Hours(2), absl::Hours(5), absl::Hours(4) + absl::Minutes(50)}) {
    clock_.Advance(step);
    sts_->Sweep();
    ValidateResponse v = Validate(original, kApi);
    EXPECT_EQ(v.status().code(), wire::kStatusInvalid) << clock_.Now();
    EXPECT_EQ(v.keys_size(), 0);
    EXPECT_NE(v.status().reason(), "valid");
  }
}

// --- Validate ----------------------------------------------------------------

TEST_P(TokenServiceTest, ValidateReleasesKeysOnlyToTheAudienceAndTheOwner) {
  const RequestSecurityTokenResponse token = MustIssue(kAlice, kApi);
  ValidateResponse audience = Validate(token, kApi);
  EXPECT_EQ(audience.status().code(), wire::kStatusValid);
  EXPECT_EQ(audience.principal(), kAlice);
  EXPECT_EQ(audience.applies_to(), kApi);
  EXPECT_EQ(audience.token().instance(), "1");
  ASSERT_EQ(audience.keys_size(), 1);
  EXPECT_EQ(audience.keys(0).key(), KeyOf(token));
  ValidateResponse owner = Validate(token, kAlice);
  EXPECT_EQ(owner.keys_size(), 1);
  // Another web principal may see the status (policy) but never the key.
  ValidateResponse other = Validate(token, kBob);
  EXPECT_EQ(other.status().code(), wire::kStatusValid);
  EXPECT_EQ(other.keys_size(), 0);
  // A principal no validate rule names is refused, token or no token.
  ValidateRequest request;
  *request.mutable_validate_target() = Target(token);
  ValidateResponse refused;
  absl::Status s = service_->Validate(kStranger, request, &refused);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  request.mutable_validate_target()->set_identifier("urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8");
  EXPECT_EQ(service_->Validate(kStranger, request, &refused).code(), absl::StatusCode::kPermissionDenied);
}

TEST_P(TokenServiceTest, ValidateAnswersInvalidForUnknownAndExpiredTokens) {
  const RequestSecurityTokenResponse token = MustIssue();
  clock_.Advance(absl::Hours(1));
  ValidateResponse expired = Validate(token, kApi);
  EXPECT_EQ(expired.status().code(), wire::kStatusInvalid);
  EXPECT_EQ(expired.status().reason(), "expired");
  EXPECT_EQ(expired.keys_size(), 0);
  ValidateRequest request;
  request.mutable_validate_target()->set_identifier("urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8");
  ValidateResponse unknown;
  absl::Status s = service_->Validate(kApi, request, &unknown);
  if (Stateless()) {
    // Without its cookie a stateless context cannot be looked up at all.
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(wire::FaultNameOf(s), "wsc:BadContextToken");
    return;
  }
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(unknown.status().reason(), "unknown");
  EXPECT_EQ(unknown.token_type(), wire::kTokenTypeStatus);
}

TEST_P(TokenServiceTest, AmendIsRefusedAsUnsupported) {
  sts::v1::AmendRequest request;
  RequestSecurityTokenResponse r;
  absl::Status s = service_->Amend(kAlice, request, &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:RequestFailed");
  EXPECT_NE(s.message().find("sp:MustNotSendAmend"), std::string::npos);
}

}  // namespace
}  // namespace sts::token
