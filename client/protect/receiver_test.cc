// The receiver's checks in order, driven by a fake clock and a resolver that
// holds keys in a map.
#include "client/protect/receiver.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "client/crypto/random.h"
#include "client/protect/message.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::protect {
namespace {

using sts::v1::ProtectedMessage;

constexpr char kId[] = "urn:uuid:11111111-2222-4333-8444-555555555555";
constexpr char kAd[] = "/example.v1.Inventory/Reserve";

std::shared_ptr<const InstanceKeys> NewKeys(const std::string& instance) {
  auto info = std::make_shared<ContextInfo>();
  info->identifier = kId;
  info->principal = "spiffe://test.example/client";
  return *InstanceKeys::Create(std::move(info), instance, *crypto::RandomSecret(32));
}

// Keys by instance, a refusal to answer instead, and fresher keys to hand out
// on Refresh.
class MapResolver : public KeyResolver {
 public:
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++resolves_;
    if (!refusal_.ok()) return refusal_;
    if (token.identifier() != kId) {
      return wire::Refuse(wire::Refusal::kUnknownContext, "unknown context");
    }
    auto it = keys_.find(token.instance());
    if (it == keys_.end()) {
      return wire::Refuse(wire::Refusal::kUnknownKeyInstance, "unknown instance");
    }
    return it->second;
  }
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++refreshes_;
    if (!refresh_refusal_.ok()) return refresh_refusal_;
    if (fresher_ != nullptr) keys_[fresher_->instance()] = fresher_;
    return fresher_;
  }

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const InstanceKeys>> keys_;
  absl::Status refusal_;
  absl::Status refresh_refusal_;
  std::shared_ptr<const InstanceKeys> fresher_;
  int resolves_ = 0;
  int refreshes_ = 0;
};

class ReceiverTest : public ::testing::Test {
 protected:
  ReceiverTest() { resolver_.keys_["1"] = keys_; }

  ProtectedMessage Make(bool seal, absl::string_view payload, uint64_t sequence,
                        const InstanceKeys* keys = nullptr,
                        Direction direction = Direction::kClientToServer,
                        absl::Time created = absl::InfinitePast()) {
    ProtectedMessage m;
    FillHeader(keys != nullptr ? *keys : *keys_, {},
               seal ? ProtectedMessage::PROTECTION_SEAL : ProtectedMessage::PROTECTION_SIGN,
               direction, sequence, created == absl::InfinitePast() ? clock_.Now() : created, &m);
    m.set_payload(std::string(payload));
    const InstanceKeys& k = keys != nullptr ? *keys : *keys_;
    EXPECT_TRUE((seal ? SealInPlace(k, &m, kAd) : SignInPlace(k, &m, kAd)).ok());
    return m;
  }

  absl::Status Receive(const ProtectedMessage& m,
                       Direction expected = Direction::kClientToServer) {
    if (m.protection() == ProtectedMessage::PROTECTION_SEAL) {
      std::string plaintext;
      return receiver_.Open(m, kAd, expected, &plaintext).status();
    }
    return receiver_.Verify(m, kAd, expected).status();
  }

  // Nanoseconds that need a long varint, as real clocks give.
  FakeClock clock_{absl::FromUnixNanos(1'700'000'000'987'654'321)};
  std::shared_ptr<const InstanceKeys> keys_ = NewKeys("1");
  MapResolver resolver_;
  Receiver receiver_{&resolver_, &clock_};
};

TEST_F(ReceiverTest, VerifyAndOpenReturnTheSender) {
  ProtectedMessage s = Make(false, "signed payload", 1);
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> who = receiver_.Verify(s, kAd,
                                                                              Direction::kClientToServer);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ((*who)->info().principal, "spiffe://test.example/client");
  EXPECT_EQ((*who)->instance(), "1");

  ProtectedMessage e = Make(true, "sealed payload", 2);
  std::string plaintext;
  ASSERT_TRUE(receiver_.Open(e, kAd, Direction::kClientToServer, &plaintext).ok());
  EXPECT_EQ(plaintext, "sealed payload");
}

TEST_F(ReceiverTest, ReplaysAreRefusedOnceAccepted) {
  for (bool seal : {false, true}) {
    ProtectedMessage m = Make(seal, "once", seal ? 10 : 11);
    ASSERT_TRUE(Receive(m).ok());
    const absl::Status again = Receive(m);
    EXPECT_EQ(again.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(wire::FaultNameOf(again), "wst:FailedAuthentication");
    EXPECT_NE(again.message().find("replayed"), absl::string_view::npos);
  }
  // A sequence number is spent whichever form carried it.
  ASSERT_TRUE(Receive(Make(false, "a", 20)).ok());
  EXPECT_EQ(wire::FaultNameOf(Receive(Make(true, "b", 20))), "wst:FailedAuthentication");
}

TEST_F(ReceiverTest, TimestampsOutsideTheWindowAreRefusedEitherWay) {
  const absl::Time now = clock_.Now();
  EXPECT_TRUE(Receive(Make(false, "p", 1, nullptr, Direction::kClientToServer,
                           now - absl::Minutes(5))).ok());
  EXPECT_TRUE(Receive(Make(false, "p", 2, nullptr, Direction::kClientToServer,
                           now + absl::Minutes(5))).ok());
  for (absl::Time created : {now - absl::Minutes(5) - absl::Seconds(1),
                             now + absl::Minutes(5) + absl::Seconds(1)}) {
    const absl::Status s =
        Receive(Make(false, "p", 3, nullptr, Direction::kClientToServer, created));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(wire::FaultNameOf(s), "wst:ExpiredData");
  }
  // Held back until it is stale: refused, and no key was even looked up.
  ProtectedMessage late = Make(false, "p", 4);
  const int resolves = resolver_.resolves_;
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(wire::FaultNameOf(Receive(late)), "wst:ExpiredData");
  EXPECT_EQ(resolver_.resolves_, resolves);
}

TEST_F(ReceiverTest, WrongDirectionIsRefused) {
  ProtectedMessage m = Make(false, "p", 1, nullptr, Direction::kServerToClient);
  EXPECT_EQ(wire::FaultNameOf(Receive(m, Direction::kClientToServer)), "wst:InvalidRequest");
  EXPECT_TRUE(Receive(m, Direction::kServerToClient).ok());
}

TEST_F(ReceiverTest, TheResolversRefusalsPassThrough) {
  ProtectedMessage unknown_instance = Make(false, "p", 1, NewKeys("7").get());
  EXPECT_EQ(wire::FaultNameOf(Receive(unknown_instance)), "wsc:UnknownDerivationSource");

  ProtectedMessage m = Make(false, "p", 2);
  m.mutable_token()->set_identifier("urn:uuid:00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(wire::FaultNameOf(Receive(m)), "wsc:BadContextToken");

  resolver_.refusal_ = wire::Refuse(wire::Refusal::kCancelledContext, "cancelled");
  EXPECT_EQ(wire::FaultNameOf(Receive(Make(false, "p", 3))), "wst:InvalidSecurityToken");
  resolver_.refusal_ = wire::Refuse(wire::Refusal::kRenewNeeded, "expired");
  EXPECT_EQ(wire::FaultNameOf(Receive(Make(false, "p", 4))), "wsc:RenewNeeded");
}

TEST_F(ReceiverTest, AWrongKeyIsRefusedAfterOneRefresh) {
  // Same instance name, another key: what a forger or a stale cache sees.
  auto forged = NewKeys("1");
  ProtectedMessage m = Make(false, "p", 1, forged.get());
  const absl::Status s = Receive(m);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:FailedAuthentication");
  EXPECT_EQ(resolver_.refreshes_, 1);
  // The forged message did not move the replay window: the genuine message
  // with the same sequence number still goes through.
  EXPECT_TRUE(Receive(Make(false, "p", 1)).ok());
}

TEST_F(ReceiverTest, ARefreshWithNewKeysGivesOneSecondChance) {
  // The STS re-keyed instance 1 as the resolver later learns (e.g. a stale
  // cache entry): the retry with the fresher keys succeeds.
  auto real = NewKeys("1");
  resolver_.fresher_ = real;
  EXPECT_TRUE(Receive(Make(false, "p", 1, real.get())).ok());
  EXPECT_TRUE(Receive(Make(true, "p", 2, real.get())).ok());
  EXPECT_EQ(resolver_.refreshes_, 1);  // the second message used the refreshed entry
}

TEST_F(ReceiverTest, ARefreshThatFindsTheContextCancelledRefuses) {
  resolver_.refresh_refusal_ = wire::Refuse(wire::Refusal::kCancelledContext, "cancelled");
  auto forged = NewKeys("1");
  const absl::Status s = Receive(Make(false, "p", 1, forged.get()));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidSecurityToken");
}

// A resolver that must not be reached: the checks before it refuse.
class UnreachableResolver final : public KeyResolver {
 public:
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    ADD_FAILURE() << "a key was resolved for a message that should have been refused first";
    return wire::Refuse(wire::Refusal::kInternal, "unreachable");
  }
};

TEST_F(ReceiverTest, AnOversizedDerivedKeyStreamIsRefusedBeforeAnyKeyIsResolved) {
  // A forged DerivedKeyToken asking for a key deep in the P_SHA1 stream:
  // refused from its parameters alone, before a key is looked up (so before
  // any derivation), whichever start form it uses.
  UnreachableResolver unreachable;
  ReceiverOptions options;
  options.accept_psha1 = true;  // so that it is the bound that refuses
  Receiver receiver(&unreachable, &clock_, options);
  for (int form = 0; form < 2; ++form) {
    for (bool seal : {false, true}) {
      ProtectedMessage m = Make(seal, "p", 1);
      sts::v1::KeyDerivation* d = m.mutable_derivation();
      d->Clear();
      d->set_algorithm(std::string(kPSha1Derivation));
      d->set_nonce(std::string(16, 'n'));
      d->set_length(32);
      if (form == 0) {
        d->set_offset(4096 - 32 + 1);
      } else {
        d->set_generation(4096 / 32);  // starts at 4096
      }
      std::string plaintext;
      const absl::Status s =
          seal ? receiver.Open(m, kAd, Direction::kClientToServer, &plaintext).status()
               : receiver.Verify(m, kAd, Direction::kClientToServer).status();
      EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest") << s;
    }
  }
}

TEST_F(ReceiverTest, ATagOfTheWrongLengthIsRefusedAsTheSpecificationSays) {
  // docs/PROTECTED_MESSAGE.md section 5, step 1: a longer tag is malformed
  // (wst:InvalidRequest), a shorter one a truncation (wst:FailedAuthentication).
  for (bool seal : {false, true}) {
    const ProtectedMessage good = Make(seal, "p", seal ? 40 : 30);
    ProtectedMessage longer = good;
    longer.mutable_tag()->push_back('\0');
    EXPECT_EQ(wire::FaultNameOf(Receive(longer)), "wst:InvalidRequest") << seal;
    ProtectedMessage shorter = good;
    shorter.mutable_tag()->pop_back();
    EXPECT_EQ(wire::FaultNameOf(Receive(shorter)), "wst:FailedAuthentication") << seal;
    ProtectedMessage empty = good;
    empty.clear_tag();
    EXPECT_EQ(wire::FaultNameOf(Receive(empty)), "wst:FailedAuthentication") << seal;
    EXPECT_TRUE(Receive(good).ok());
  }
}

TEST_F(ReceiverTest, PSha1KeysAreRefusedUnlessTheReceiverOptsIn) {
  // A DerivedKeyToken key is the same whatever the direction; HKDF keys are
  // not. Refused before any key is looked up.
  DerivationOptions psha1;
  psha1.algorithm = DerivationOptions::Algorithm::kPSha1;
  for (bool seal : {false, true}) {
    ProtectedMessage m;
    FillHeader(*keys_, psha1,
               seal ? ProtectedMessage::PROTECTION_SEAL : ProtectedMessage::PROTECTION_SIGN,
               Direction::kClientToServer, seal ? 61 : 60, clock_.Now(), &m);
    m.set_payload("p");
    ASSERT_TRUE((seal ? SealInPlace(*keys_, &m, kAd) : SignInPlace(*keys_, &m, kAd)).ok());
    const int resolves = resolver_.resolves_;
    const absl::Status refused = Receive(m);
    EXPECT_EQ(wire::FaultNameOf(refused), "wst:InvalidRequest") << refused;
    EXPECT_NE(refused.message().find("P_SHA1"), absl::string_view::npos);
    EXPECT_EQ(resolver_.resolves_, resolves);
    ReceiverOptions options;
    options.accept_psha1 = true;
    Receiver opted_in(&resolver_, &clock_, options);
    std::string plaintext;
    EXPECT_TRUE((seal ? opted_in.Open(m, kAd, Direction::kClientToServer, &plaintext).status()
                      : opted_in.Verify(m, kAd, Direction::kClientToServer).status())
                    .ok());
  }
}

TEST_F(ReceiverTest, AMessageIsForTheReceiverItsContextNames) {
  auto info = std::make_shared<ContextInfo>();
  info->identifier = kId;
  info->principal = "spiffe://test.example/client";
  info->applies_to = "spiffe://test.example/relying-party";
  auto keys = *InstanceKeys::Create(info, "1", *crypto::RandomSecret(32));
  resolver_.keys_["1"] = keys;
  // From the holder to the audience, and the answers back: each names the
  // other (FillHeader's default).
  ProtectedMessage request = Make(false, "p", 70, keys.get());
  EXPECT_EQ(request.receiver(), "spiffe://test.example/relying-party");
  EXPECT_TRUE(Receive(request).ok());
  ProtectedMessage answer = Make(false, "p", 71, keys.get(), Direction::kServerToClient);
  EXPECT_EQ(answer.receiver(), "spiffe://test.example/client");
  EXPECT_TRUE(Receive(answer, Direction::kServerToClient).ok());
  // Addressed to someone else: refused, whoever made it.
  ProtectedMessage elsewhere;
  FillHeader(*keys, {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 72,
             clock_.Now(), &elsewhere, std::string("spiffe://test.example/billing"));
  elsewhere.set_payload("p");
  ASSERT_TRUE(SignInPlace(*keys, &elsewhere, kAd).ok());
  const absl::Status other = Receive(elsewhere);
  EXPECT_EQ(other.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(other), "wst:FailedAuthentication");
  EXPECT_NE(other.message().find("spiffe://test.example/billing"), absl::string_view::npos);
  // Addressed to no one: refused unless the receiver allows it.
  ProtectedMessage nobody;
  FillHeader(*keys, {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 73,
             clock_.Now(), &nobody, std::string());
  nobody.set_payload("p");
  ASSERT_TRUE(SignInPlace(*keys, &nobody, kAd).ok());
  EXPECT_EQ(wire::FaultNameOf(Receive(nobody)), "wst:InvalidRequest");
  ReceiverOptions lenient;
  lenient.require_receiver = false;
  Receiver old_peers(&resolver_, &clock_, lenient);
  EXPECT_TRUE(old_peers.Verify(nobody, kAd, Direction::kClientToServer).ok());
  // A context without an audience takes no receiver.
  ProtectedMessage named = Make(false, "p", 74);
  named.set_receiver("spiffe://test.example/relying-party");
  EXPECT_EQ(wire::FaultNameOf(Receive(named)), "wst:FailedAuthentication");
}

TEST_F(ReceiverTest, VerifyWantsSignedAndOpenWantsSealed) {
  std::string plaintext;
  EXPECT_EQ(wire::FaultNameOf(receiver_.Open(Make(false, "p", 1), kAd,
                                             Direction::kClientToServer, &plaintext)
                                  .status()),
            "wst:InvalidRequest");
  EXPECT_EQ(wire::FaultNameOf(
                receiver_.Verify(Make(true, "p", 2), kAd, Direction::kClientToServer).status()),
            "wst:InvalidRequest");
}

TEST_F(ReceiverTest, EverySingleBitFlipIsRefused) {
  for (bool seal : {false, true}) {
    const ProtectedMessage m = Make(seal, "payload to protect", seal ? 1000 : 2000);
    const std::string bytes = m.SerializeAsString();
    int accepted = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        ProtectedMessage parsed;
        if (!parsed.ParseFromString(flipped)) continue;  // refused at parsing
        const absl::Status s = seal || parsed.protection() == ProtectedMessage::PROTECTION_SEAL
                                   ? [&] {
                                       std::string plaintext;
                                       return receiver_
                                           .Open(parsed, kAd, Direction::kClientToServer,
                                                 &plaintext)
                                           .status();
                                     }()
                                   : receiver_.Verify(parsed, kAd, Direction::kClientToServer)
                                         .status();
        if (s.ok()) {
          ++accepted;
          ADD_FAILURE() << "byte " << i << " bit " << bit << " seal " << seal;
        } else {
          EXPECT_FALSE(wire::FaultNameOf(s).empty()) << s;
        }
      }
    }
    EXPECT_EQ(accepted, 0);
    // The unmodified message is still accepted: no flip moved the window.
    EXPECT_TRUE(Receive(m).ok());
  }
}

TEST_F(ReceiverTest, ConcurrentReceiversAcceptEachMessageExactlyOnce) {
  constexpr int kMessages = 400;
  std::vector<ProtectedMessage> messages;
  for (int i = 0; i < kMessages; ++i) messages.push_back(Make(i % 2 == 0, "p", 5000 + i));
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      // Every thread tries every message: exactly one wins each.
      for (const ProtectedMessage& m : messages) {
        if (Receive(m).ok()) accepted.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kMessages);
}

}  // namespace
}  // namespace sts::protect
