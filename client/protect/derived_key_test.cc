// Known answers computed by an independent Python implementation (hmac,
// hashlib) of the definitions in docs/PROTECTED_MESSAGE.md section 2.
#include "client/protect/derived_key.h"

#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/crypto/bytes.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::protect {
namespace {

std::vector<uint8_t> Key() {
  std::vector<uint8_t> key(32);
  std::iota(key.begin(), key.end(), 0);  // 00 01 .. 1f
  return key;
}

std::string Nonce() {
  std::string nonce(16, '\0');
  for (int i = 0; i < 16; ++i) nonce[i] = static_cast<char>(0x10 + i);
  return nonce;
}

std::string Hex(const crypto::SecretBytes& bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

TEST(DerivedKeyTest, HkdfInfoStrings) {
  EXPECT_EQ(HkdfInfo(Purpose::kSign, Direction::kClientToServer),
            "sts.v1 message sign client-to-server");
  EXPECT_EQ(HkdfInfo(Purpose::kSign, Direction::kServerToClient),
            "sts.v1 message sign server-to-client");
  EXPECT_EQ(HkdfInfo(Purpose::kEncrypt, Direction::kClientToServer),
            "sts.v1 message encrypt client-to-server");
  EXPECT_EQ(HkdfInfo(Purpose::kEncrypt, Direction::kServerToClient),
            "sts.v1 message encrypt server-to-client");
}

TEST(DerivedKeyTest, HkdfKnownAnswers) {
  struct Case {
    Purpose purpose;
    Direction direction;
    const char* hex;
  };
  for (const Case& c : {
           Case{Purpose::kSign, Direction::kClientToServer,
                "1a631bd4a2674ab4b62fe03400cc18981b19614ef5558e5b16c67d60ac1e7d94"},
           Case{Purpose::kSign, Direction::kServerToClient,
                "dd75b308c6ce53d1ad9a6d6a1dc2239aa5f53e2fe301c6de370d911bb53ab7c5"},
           Case{Purpose::kEncrypt, Direction::kClientToServer,
                "d13b454580b6d4236192ed93af58f15efd6169907e4258d4e6c1a699d02c3048"},
           Case{Purpose::kEncrypt, Direction::kServerToClient,
                "8f479ecbca77580e7277d1e346ce2fbd0d1e009f136a6873cb819472cb5919a1"},
       }) {
    absl::StatusOr<crypto::SecretBytes> key = DeriveMessageKey(Key(), c.purpose, c.direction);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(Hex(*key), c.hex) << HkdfInfo(c.purpose, c.direction);
  }
}

TEST(DerivedKeyTest, PSha1KnownAnswers) {
  DerivedKeyParams generation;
  generation.nonce = Nonce();
  generation.generation = 1;
  absl::StatusOr<crypto::SecretBytes> key = DerivePSha1Key(Key(), generation);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(*key), "3fd6c3cb14cec8566ed95744a3c33ff6443cd39bc81fed9502222258b10b6e5f");

  DerivedKeyParams offset;
  offset.nonce = Nonce();
  offset.offset = 5;
  offset.length = 16;
  key = DerivePSha1Key(Key(), offset);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(*key), "407de608151895c0e352b5cdd47a1373");

  DerivedKeyParams label;
  label.nonce = Nonce();
  label.label = "custom";
  key = DerivePSha1Key(Key(), label);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(*key), "d6a795c621503660e4c16b17d2c11bec302572043575c03ac5428db576178326");
}

TEST(DerivedKeyTest, GenerationIsOffsetTimesLengthAndLengthZeroIs32) {
  DerivedKeyParams a;
  a.nonce = Nonce();
  a.generation = 3;
  a.length = 0;
  DerivedKeyParams b;
  b.nonce = Nonce();
  b.offset = 96;
  absl::StatusOr<crypto::SecretBytes> ka = DerivePSha1Key(Key(), a);
  absl::StatusOr<crypto::SecretBytes> kb = DerivePSha1Key(Key(), b);
  ASSERT_TRUE(ka.ok() && kb.ok());
  EXPECT_EQ(ka->size(), 32u);
  EXPECT_EQ(Hex(*ka), Hex(*kb));
}

TEST(DerivedKeyTest, RefusesBadParameters) {
  auto refused = [](DerivedKeyParams p) {
    absl::StatusOr<crypto::SecretBytes> key = DerivePSha1Key(Key(), p);
    return !key.ok() && wire::FaultNameOf(key.status()) == "wst:InvalidRequest";
  };
  DerivedKeyParams ok;
  ok.nonce = Nonce();
  ASSERT_TRUE(DerivePSha1Key(Key(), ok).ok());

  DerivedKeyParams p = ok;
  p.nonce = "short";
  EXPECT_TRUE(refused(p));
  p = ok;
  p.nonce = std::string(129, 'n');
  EXPECT_TRUE(refused(p));
  p = ok;
  p.label = std::string(257, 'l');
  EXPECT_TRUE(refused(p));
  p = ok;
  p.length = 8;
  EXPECT_TRUE(refused(p));
  p = ok;
  p.length = 65;
  EXPECT_TRUE(refused(p));
  p = ok;
  p.offset = 1;
  p.generation = 1;
  EXPECT_TRUE(refused(p));
  p = ok;
  p.generation = uint64_t{1} << 62;  // * 32 would overflow
  EXPECT_TRUE(refused(p));
  p = ok;
  p.offset = ~uint64_t{0};
  EXPECT_TRUE(refused(p));
  EXPECT_FALSE(DerivePSha1Key({}, ok).ok());
  EXPECT_FALSE(DeriveMessageKey({}, Purpose::kSign, Direction::kClientToServer).ok());
}

TEST(DerivedKeyTest, StartPlusLengthStaysWithinWhatWsScPeersUse) {
  // offset + length <= 4096 bytes (kMaxDerivedKeyStreamBytes), however the
  // start is given.
  auto derives = [](DerivedKeyParams p) { return DerivePSha1Key(Key(), p).ok(); };
  DerivedKeyParams p;
  p.nonce = Nonce();
  p.offset = 4096 - 32;
  EXPECT_TRUE(derives(p));
  p.offset = 4096 - 32 + 1;
  EXPECT_FALSE(derives(p));
  p.offset = 4096 - 16;
  p.length = 16;
  EXPECT_TRUE(derives(p));
  p.offset = 0;
  p.length = 32;
  p.generation = 4096 / 32 - 1;
  EXPECT_TRUE(derives(p));
  p.generation = 4096 / 32;
  EXPECT_FALSE(derives(p));
  p.length = 64;
  p.generation = 4096 / 64;
  EXPECT_FALSE(derives(p));
  sts::v1::KeyDerivation d;
  d.set_algorithm(std::string(kPSha1Derivation));
  d.set_nonce(Nonce());
  d.set_offset(1 << 20);
  EXPECT_EQ(wire::FaultNameOf(PSha1ParamsOf(d).status()), "wst:InvalidRequest");
}

TEST(DerivedKeyTest, ParamsOfAKeyDerivation) {
  sts::v1::KeyDerivation d;
  d.set_algorithm(std::string(kPSha1Derivation2005));
  d.set_nonce(Nonce());
  d.set_generation(2);
  d.set_length(16);
  absl::StatusOr<DerivedKeyParams> p = PSha1ParamsOf(d);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->generation.value_or(0), 2u);
  EXPECT_EQ(p->length, 16u);
  EXPECT_EQ(p->offset, 0u);

  d.set_offset(40);
  p = PSha1ParamsOf(d);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->generation.has_value());
  EXPECT_EQ(p->offset, 40u);

  d.set_algorithm(std::string(kHkdfSha256Derivation));
  EXPECT_EQ(wire::FaultNameOf(PSha1ParamsOf(d).status()), "wst:InvalidRequest");
}

}  // namespace
}  // namespace sts::protect
