// The tag layer: round trips, known answers computed by an independent Python
// implementation of docs/PROTECTED_MESSAGE.md, and refusal of every
// single-bit change.
#include "client/protect/message.h"

#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/crypto/bytes.h"
#include "client/crypto/hmac.h"
#include "client/crypto/secret_bytes.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::protect {
namespace {

using sts::v1::ProtectedMessage;

constexpr char kIdentifier[] = "urn:uuid:00000000-0000-4000-8000-000000000000";
constexpr char kMethod[] = "/example.v1.Inventory/Reserve";
// With nanoseconds that need a long varint, as real clocks give.
const absl::Time kCreated = absl::FromUnixNanos(1'700'000'000'987'654'321);

crypto::SecretBytes Key(uint8_t first = 0) {
  std::vector<uint8_t> key(32);
  std::iota(key.begin(), key.end(), first);
  return crypto::SecretBytes::Copy(key);
}

std::shared_ptr<const InstanceKeys> Keys(const std::string& instance = "1",
                                         const std::string& cookie = "", uint8_t first = 0) {
  auto info = std::make_shared<ContextInfo>();
  info->identifier = kIdentifier;
  info->cookie = cookie;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> keys =
      InstanceKeys::Create(std::move(info), instance, Key(first));
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *keys;
}

std::string Unhex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

DerivationOptions PSha1(std::optional<uint64_t> generation = std::nullopt) {
  DerivationOptions d;
  d.algorithm = DerivationOptions::Algorithm::kPSha1;
  d.generation = generation;
  return d;
}

ProtectedMessage Signed(const InstanceKeys& keys, const DerivationOptions& d,
                        absl::string_view payload, absl::string_view ad,
                        Direction direction = Direction::kClientToServer) {
  ProtectedMessage m;
  FillHeader(keys, d, ProtectedMessage::PROTECTION_SIGN, direction, 7, kCreated, &m);
  m.set_payload(std::string(payload));
  EXPECT_TRUE(SignInPlace(keys, &m, ad).ok());
  return m;
}

ProtectedMessage Sealed(const InstanceKeys& keys, const DerivationOptions& d,
                        absl::string_view plaintext, absl::string_view ad) {
  ProtectedMessage m;
  FillHeader(keys, d, ProtectedMessage::PROTECTION_SEAL, Direction::kClientToServer, 8, kCreated,
             &m);
  m.set_payload(std::string(plaintext));
  EXPECT_TRUE(SealInPlace(keys, &m, ad).ok());
  return m;
}

TEST(MessageTest, CanonicalHeaderKnownAnswer) {
  ProtectedMessage m;
  FillHeader(*Keys(), {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 7,
             absl::FromUnixSeconds(1'700'000'000) + absl::Nanoseconds(5), &m);
  EXPECT_EQ(absl::BytesToHexString(CanonicalHeader(m, kMethod)),
            "000000177374732e76312e50726f7465637465644d65737361676500000001000000010000002d75726e"
            "3a757569643a30303030303030302d303030302d343030302d383030302d303030303030303030303030"
            "0000000131000000000000001975726e3a7374733a76313a646b3a686b64662d73686132353600000000"
            "0000000000000000000000000000000000000020000000000000000717979cfe362a0005000000000000"
            "001d2f6578616d706c652e76312e496e76656e746f72792f52657365727665");
}

TEST(MessageTest, SignKnownAnswerHkdf) {
  ProtectedMessage m;
  FillHeader(*Keys(), {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 7,
             absl::FromUnixSeconds(1'700'000'000) + absl::Nanoseconds(5), &m);
  m.set_payload("hello");
  ASSERT_TRUE(SignInPlace(*Keys(), &m, kMethod).ok());
  EXPECT_EQ(absl::BytesToHexString(m.tag()),
            "f6f6095fbfe9ae8edd8b21fd1b5f5323bce2d63b89bf3caf2ae13b733f50a651");
}

TEST(MessageTest, SignKnownAnswerWithAReceiver) {
  // docs/PROTECTED_MESSAGE.md section 7: Bytes(receiver) follows Bytes(A).
  ProtectedMessage m;
  FillHeader(*Keys(), {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 7,
             absl::FromUnixSeconds(1'700'000'000) + absl::Nanoseconds(5), &m,
             std::string("spiffe://example.org/inventory"));
  m.set_payload("hello");
  ASSERT_TRUE(SignInPlace(*Keys(), &m, kMethod).ok());
  EXPECT_EQ(absl::BytesToHexString(m.tag()),
            "e436ac9e4e5b9f280f7b00e3b1c83983eabeb5d84b33a09bd83b78e1d120cb3c");
  EXPECT_TRUE(CheckTag(*Keys(), m, kMethod).ok());
  // The receiver is covered: another one, or none, changes the tag.
  for (const char* other : {"spiffe://example.org/billing", ""}) {
    ProtectedMessage changed = m;
    changed.set_receiver(other);
    EXPECT_EQ(wire::FaultNameOf(CheckTag(*Keys(), changed, kMethod)), "wst:FailedAuthentication")
        << other;
  }
  // A message without one keeps the bytes it always had (the known answer
  // above, SignKnownAnswerHkdf); sealed messages cover it too.
  auto keys = Keys();
  ProtectedMessage sealed;
  FillHeader(*keys, {}, ProtectedMessage::PROTECTION_SEAL, Direction::kClientToServer, 8,
             kCreated, &sealed, std::string("spiffe://example.org/inventory"));
  sealed.set_payload("secret");
  ASSERT_TRUE(SealInPlace(*keys, &sealed, kMethod).ok());
  std::string plaintext;
  ASSERT_TRUE(OpenPayload(*keys, sealed, kMethod, &plaintext).ok());
  sealed.set_receiver("spiffe://example.org/billing");
  EXPECT_EQ(wire::FaultNameOf(OpenPayload(*keys, sealed, kMethod, &plaintext)),
            "wst:FailedAuthentication");
}

TEST(MessageTest, VerifyKnownAnswerPSha1Generation) {
  // A message as a WS-SC peer would make it: its own nonce, generation 1.
  ProtectedMessage m;
  m.mutable_token()->set_identifier(kIdentifier);
  m.mutable_token()->set_instance("2");
  m.mutable_token()->set_cookie("cookie");
  m.mutable_derivation()->set_algorithm(std::string(kPSha1Derivation));
  m.mutable_derivation()->set_nonce(Unhex("101112131415161718191a1b1c1d1e1f"));
  m.mutable_derivation()->set_generation(1);
  m.mutable_derivation()->set_length(32);
  m.set_protection(ProtectedMessage::PROTECTION_SIGN);
  m.set_direction(ProtectedMessage::DIRECTION_SERVER_TO_CLIENT);
  m.set_sequence(8);
  m.set_created_unix_nanos(1'700'000'001'000'000'000);
  m.set_payload("hello");
  m.set_tag(Unhex("eafec5f1f75558ffb98f95d3f69dfce64381e27072f44a80d9f3d7bd9a82ddbb"));
  ASSERT_TRUE(CheckShape(m).ok()) << CheckShape(m);
  EXPECT_TRUE(CheckTag(*Keys("2", "cookie"), m, "").ok());
  m.set_payload("hellO");
  EXPECT_EQ(wire::FaultNameOf(CheckTag(*Keys("2", "cookie"), m, "")),
            "wst:FailedAuthentication");
}

TEST(MessageTest, OpenKnownAnswerHkdf) {
  ProtectedMessage m;
  FillHeader(*Keys(), {}, ProtectedMessage::PROTECTION_SEAL, Direction::kClientToServer, 9,
             absl::FromUnixSeconds(1'700'000'000), &m);
  m.set_aead_nonce(Unhex("000102030405060708090a0b"));
  m.set_payload(Unhex("125d4b62f7"));
  m.set_tag(Unhex("b3d65c1d062d3a16263632661bf72bfc"));
  std::string plaintext;
  ASSERT_TRUE(OpenPayload(*Keys(), m, kMethod, &plaintext).ok());
  EXPECT_EQ(plaintext, "hello");
}

TEST(MessageTest, RoundTrips) {
  const auto keys = Keys();
  for (const DerivationOptions& d : {DerivationOptions(), PSha1(), PSha1(3)}) {
    for (const std::string& payload : {std::string(), std::string("x"), std::string(70000, 'p')}) {
      ProtectedMessage s = Signed(*keys, d, payload, kMethod);
      EXPECT_TRUE(CheckShape(s).ok()) << CheckShape(s);
      EXPECT_TRUE(CheckTag(*keys, s, kMethod).ok());
      EXPECT_EQ(s.payload(), payload);
      EXPECT_EQ(s.tag().size(), 32u);

      ProtectedMessage e = Sealed(*keys, d, payload, kMethod);
      EXPECT_TRUE(CheckShape(e).ok()) << CheckShape(e);
      EXPECT_EQ(e.payload().size(), payload.size());
      if (!payload.empty()) {
        EXPECT_NE(e.payload(), payload);
      }
      EXPECT_EQ(e.aead_nonce().size(), 12u);
      EXPECT_EQ(e.tag().size(), 16u);
      std::string plaintext;
      ASSERT_TRUE(OpenPayload(*keys, e, kMethod, &plaintext).ok());
      EXPECT_EQ(plaintext, payload);
    }
  }
}

TEST(MessageTest, TheHeaderRecordsTheDerivation) {
  const auto keys = Keys();
  ProtectedMessage h = Signed(*keys, {}, "p", "");
  EXPECT_EQ(h.derivation().algorithm(), kHkdfSha256Derivation);
  EXPECT_EQ(h.derivation().length(), 32u);
  EXPECT_TRUE(h.derivation().nonce().empty());

  ProtectedMessage p = Signed(*keys, PSha1(2), "p", "");
  EXPECT_EQ(p.derivation().algorithm(), kPSha1Derivation);
  EXPECT_EQ(p.derivation().nonce(), keys->SenderNonce(Purpose::kSign, Direction::kClientToServer));
  EXPECT_EQ(p.derivation().nonce().size(), 16u);
  EXPECT_EQ(p.derivation().generation(), 2u);
  // One nonce per purpose and direction: a derived key never serves two.
  EXPECT_NE(keys->SenderNonce(Purpose::kSign, Direction::kClientToServer),
            keys->SenderNonce(Purpose::kEncrypt, Direction::kClientToServer));
  EXPECT_NE(keys->SenderNonce(Purpose::kSign, Direction::kClientToServer),
            keys->SenderNonce(Purpose::kSign, Direction::kServerToClient));
}

TEST(MessageTest, WrongKeyOrAssociatedDataOrDirectionKeyIsRefused) {
  const auto keys = Keys();
  const auto other = Keys("1", "", 1);
  for (const DerivationOptions& d : {DerivationOptions(), PSha1()}) {
    ProtectedMessage s = Signed(*keys, d, "payload", kMethod);
    EXPECT_EQ(wire::FaultNameOf(CheckTag(*other, s, kMethod)), "wst:FailedAuthentication");
    EXPECT_EQ(wire::FaultNameOf(CheckTag(*keys, s, "/other/Method")), "wst:FailedAuthentication");
    ProtectedMessage e = Sealed(*keys, d, "payload", kMethod);
    std::string plaintext = "untouched";
    EXPECT_EQ(wire::FaultNameOf(OpenPayload(*other, e, kMethod, &plaintext)),
              "wst:FailedAuthentication");
    EXPECT_EQ(wire::FaultNameOf(OpenPayload(*keys, e, "", &plaintext)),
              "wst:FailedAuthentication");
    EXPECT_EQ(plaintext, "untouched");
  }
  // The same bytes claimed for the other direction use the other key (and
  // the header changes), so a message cannot be reflected.
  ProtectedMessage s = Signed(*keys, {}, "payload", kMethod);
  s.set_direction(ProtectedMessage::DIRECTION_SERVER_TO_CLIENT);
  EXPECT_EQ(wire::FaultNameOf(CheckTag(*keys, s, kMethod)), "wst:FailedAuthentication");
}

TEST(MessageTest, SignAndSealAreNotInterchangeable) {
  const auto keys = Keys();
  ProtectedMessage s = Signed(*keys, {}, "payload", kMethod);
  std::string plaintext;
  EXPECT_EQ(wire::FaultNameOf(OpenPayload(*keys, s, kMethod, &plaintext)), "wst:InvalidRequest");
  ProtectedMessage e = Sealed(*keys, {}, "payload", kMethod);
  EXPECT_EQ(wire::FaultNameOf(CheckTag(*keys, e, kMethod)), "wst:InvalidRequest");
}

// Parses the bytes and runs every check a receiver's crypto layer makes.
bool Accepted(const std::string& bytes, const InstanceKeys& keys) {
  ProtectedMessage m;
  if (!m.ParseFromString(bytes)) return false;
  if (!CheckShape(m).ok()) return false;
  if (m.protection() == ProtectedMessage::PROTECTION_SIGN) {
    return CheckTag(keys, m, kMethod).ok();
  }
  std::string plaintext;
  return OpenPayload(keys, m, kMethod, &plaintext).ok();
}

TEST(MessageTest, EverySingleBitFlipIsRefused) {
  const auto keys = Keys("1", "a-cookie");
  for (const DerivationOptions& d : {DerivationOptions(), PSha1(1)}) {
    for (bool seal : {false, true}) {
      const ProtectedMessage m =
          seal ? Sealed(*keys, d, "a payload of some bytes", kMethod)
               : Signed(*keys, d, "a payload of some bytes", kMethod);
      const std::string bytes = m.SerializeAsString();
      ASSERT_TRUE(Accepted(bytes, *keys));
      int accepted = 0;
      for (size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
          std::string flipped = bytes;
          flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
          if (Accepted(flipped, *keys)) {
            ++accepted;
            ADD_FAILURE() << "accepted with byte " << i << " bit " << bit << " flipped (seal="
                          << seal << ")";
          }
        }
      }
      EXPECT_EQ(accepted, 0);
    }
  }
}

TEST(MessageTest, ShapeChecks) {
  const auto keys = Keys();
  const ProtectedMessage good = Signed(*keys, {}, "payload", kMethod);
  ASSERT_TRUE(CheckShape(good).ok());
  auto fault = [](const ProtectedMessage& m) { return wire::FaultNameOf(CheckShape(m)); };

  ProtectedMessage m = good;
  m.mutable_token()->set_wsu_id("sct-1");
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.mutable_token()->clear_identifier();
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.mutable_token()->clear_instance();
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.set_tag(m.tag().substr(0, 16));  // truncated MACs are never accepted
  EXPECT_EQ(fault(m), "wst:FailedAuthentication");
  m = good;
  m.mutable_derivation()->set_label("x");
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.mutable_derivation()->set_algorithm("http://www.w3.org/2000/09/xmldsig#hmac-sha1");
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.set_direction(ProtectedMessage::DIRECTION_UNSPECIFIED);
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.set_protection(ProtectedMessage::PROTECTION_UNSPECIFIED);
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.set_aead_nonce("123456789012");
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  // Fields this receiver does not know: refused, not ignored.
  m = good;
  m.GetReflection()->MutableUnknownFields(&m)->AddVarint(99, 1);
  EXPECT_EQ(fault(m), "wst:InvalidRequest");
  m = good;
  m.mutable_derivation()->GetReflection()->MutableUnknownFields(m.mutable_derivation())
      ->AddVarint(99, 1);
  EXPECT_EQ(fault(m), "wst:InvalidRequest");

  ProtectedMessage sealed = Sealed(*keys, PSha1(), "x", kMethod);
  ASSERT_TRUE(CheckShape(sealed).ok());
  sealed.mutable_derivation()->set_length(16);  // AES-256 only
  EXPECT_EQ(fault(sealed), "wst:InvalidRequest");
}

TEST(MessageTest, PSha1KeysAreCachedAndBounded) {
  const auto keys = Keys();
  DerivedKeyParams p;
  p.nonce = std::string(16, 'n');
  auto a = keys->PSha1MacKey(p);
  auto b = keys->PSha1MacKey(p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());  // one derivation, then the cached key
  auto e = keys->PSha1AeadKey(p);
  ASSERT_TRUE(e.ok());
  // Many nonces: the cache empties itself rather than grow.
  for (int i = 0; i < 100; ++i) {
    DerivedKeyParams q = p;
    q.nonce = std::string(16, static_cast<char>(i));
    ASSERT_TRUE(keys->PSha1MacKey(q).ok());
  }
  auto c = keys->PSha1MacKey(p);
  ASSERT_TRUE(c.ok());
  // Same key bytes whether cached or re-derived: check through a MAC.
  const std::vector<uint8_t> data = {1, 2, 3};
  EXPECT_EQ((*a)->Sign(data), (*c)->Sign(data));
  p.length = 16;
  EXPECT_EQ(wire::FaultNameOf(keys->PSha1AeadKey(p).status()), "wst:InvalidRequest");
}

TEST(MessageTest, PrecomputedHeaderStartGivesTheFullHeadersMac) {
  // The sender and receiver skip hashing the instance's fixed header start;
  // the tag must still be the HMAC of the whole header (section 4).
  for (const std::string& cookie : {std::string(), std::string(300, 'c')}) {
    std::shared_ptr<const InstanceKeys> keys = Keys("3", cookie);
    for (Direction direction : {Direction::kClientToServer, Direction::kServerToClient}) {
      ProtectedMessage m = Signed(*keys, {}, "payload bytes", kMethod, direction);
      absl::StatusOr<crypto::SecretBytes> mac_key =
          DeriveMessageKey(Key().span(), Purpose::kSign, direction);
      ASSERT_TRUE(mac_key.ok());
      const std::string whole = CanonicalHeader(m, kMethod);
      const std::string length("\0\0\0\x0d", 4);
      EXPECT_EQ(crypto::AsBytes(m.tag()),
                absl::MakeConstSpan(crypto::HmacSha256(mac_key->span(),
                                                       crypto::AsBytes(whole + length +
                                                                       m.payload()))));
      EXPECT_TRUE(CheckTag(*keys, m, kMethod).ok());
    }
  }
}

TEST(MessageTest, HeadersThatDifferFromTheInstancesStartTakeTheFullPath) {
  std::shared_ptr<const InstanceKeys> keys = Keys();
  // HKDF with length 0 (read as 32) is valid but not the start the instance
  // precomputed: both sides must fall back to the whole header and agree.
  ProtectedMessage m;
  FillHeader(*keys, {}, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 9,
             kCreated, &m);
  m.mutable_derivation()->set_length(0);
  m.set_payload("p");
  ASSERT_TRUE(SignInPlace(*keys, &m, kMethod).ok());
  EXPECT_TRUE(CheckTag(*keys, m, kMethod).ok());
  ProtectedMessage as_32 = m;
  as_32.mutable_derivation()->set_length(32);
  EXPECT_FALSE(CheckTag(*keys, as_32, kMethod).ok());  // a different header, a different tag
  // A message naming another cookie than the instance's is checked in full too.
  ProtectedMessage other_cookie = Signed(*keys, {}, "p", kMethod);
  other_cookie.mutable_token()->set_cookie("x");
  EXPECT_FALSE(CheckTag(*keys, other_cookie, kMethod).ok());
}

}  // namespace
}  // namespace sts::protect
