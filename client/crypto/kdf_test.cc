#include "client/crypto/kdf.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "client/crypto/bytes.h"
#include "client/crypto/hmac.h"
#include "client/crypto/testing/test_util.h"
#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

using ::sts::crypto::testing::Hex;
using ::sts::crypto::testing::Repeat;
using ::sts::crypto::testing::Unhex;

// --- P_SHA1
// -------------------------------------------------------------------

struct PSha1Vector {
  const char* name;
  const char* secret_hex;
  const char* seed_hex;
  size_t offset;
  size_t length;
  const char* expected_hex;
};

// Produced by testdata/make_psha1_vectors.py, an independent Python
// implementation of the definition.
constexpr PSha1Vector kPSha1Vectors[] = {
#include "client/crypto/testdata/psha1_vectors.inc"
};

TEST(PSha1Test, IndependentVectors) {
  ASSERT_GE(std::size(kPSha1Vectors), 8u);
  for (const PSha1Vector& v : kPSha1Vectors) {
    absl::StatusOr<SecretBytes> out =
        PSha1(Unhex(v.secret_hex), Unhex(v.seed_hex), v.offset, v.length);
    ASSERT_TRUE(out.ok()) << v.name << ": " << out.status();
    EXPECT_EQ(Hex(out->span()), v.expected_hex) << v.name;
  }
}

TEST(PSha1Test, FirstBlockFollowsTheDefinition) {
  // P_SHA1's first 20 bytes are HMAC(secret, HMAC(secret, seed) || seed);
  // checked here against the one-shot HMAC as a second, in-tree derivation.
  const std::vector<uint8_t> secret = Repeat(0x0b, 32);
  const std::vector<uint8_t> seed = Repeat(0x5e, 40);
  const HmacSha1Tag a1 = HmacSha1(secret, seed);
  std::vector<uint8_t> a1_seed(a1.begin(), a1.end());
  a1_seed.insert(a1_seed.end(), seed.begin(), seed.end());
  const HmacSha1Tag block1 = HmacSha1(secret, a1_seed);

  absl::StatusOr<SecretBytes> out = PSha1(secret, seed, 0, 20);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Hex(out->span()), Hex(block1));
}

TEST(PSha1Test, WindowsAreSlicesOfOneStream) {
  const std::vector<uint8_t> secret = Repeat(0x01, 32);
  const auto seed = AsBytes("WS-SecureConversationWS-SecureConversation");
  absl::StatusOr<SecretBytes> stream = PSha1(secret, seed, 0, 200);
  ASSERT_TRUE(stream.ok());
  for (size_t offset : {0u, 1u, 19u, 20u, 21u, 39u, 40u, 100u}) {
    for (size_t length : {1u, 19u, 20u, 21u, 32u, 60u}) {
      absl::StatusOr<SecretBytes> window = PSha1(secret, seed, offset, length);
      ASSERT_TRUE(window.ok());
      EXPECT_EQ(Hex(window->span()),
                Hex(stream->span().subspan(offset, length)))
          << offset << "+" << length;
    }
  }
}

TEST(PSha1Test, Bounds) {
  const std::vector<uint8_t> secret = Repeat(0x01, 32);
  const std::vector<uint8_t> seed = Repeat(0x02, 32);
  EXPECT_EQ(PSha1(secret, seed, 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PSha1({}, seed, 0, 32).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PSha1(secret, seed, 0, kPSha1MaxOutput + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PSha1(secret, seed, kPSha1MaxOutput, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  // offset + length would wrap around size_t.
  EXPECT_EQ(PSha1(secret, seed, std::numeric_limits<size_t>::max(), 32)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PSha1(secret, seed, 32, std::numeric_limits<size_t>::max())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // The largest window allowed ends exactly at the bound.
  absl::StatusOr<SecretBytes> last =
      PSha1(secret, seed, kPSha1MaxOutput - 1, 1);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->size(), 1u);
}

TEST(PSha1Test, ErrorsCarryNoInputBytes) {
  const std::vector<uint8_t> secret = Unhex("deadbeefdeadbeefdeadbeefdeadbeef");
  absl::Status status = PSha1(secret, secret, 0, 0).status();
  EXPECT_EQ(std::string(status.message()).find("dead"), std::string::npos);
}

// --- HKDF-SHA256
// ----------------------------------------------------------------

struct HkdfVector {
  const char* name;
  std::vector<uint8_t> ikm;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> info;
  size_t length;
  const char* okm_hex;
};

std::vector<uint8_t> Range(int from, int to) {
  std::vector<uint8_t> v;
  for (int i = from; i < to; ++i) v.push_back(static_cast<uint8_t>(i));
  return v;
}

// RFC 5869 appendix A, test cases 1-3 (the SHA-256 ones).
std::vector<HkdfVector> Rfc5869() {
  return {
      {"rfc5869_case1", Repeat(0x0b, 22), Range(0x00, 0x0d), Range(0xf0, 0xfa),
       42,
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
       "34007208d5b887185865"},
      {"rfc5869_case2", Range(0x00, 0x50), Range(0x60, 0xb0),
       Range(0xb0, 0x100), 82,
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {"rfc5869_case3",
       Repeat(0x0b, 22),
       {},
       {},
       42,
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
       "9d201395faa4b61a96c8"},
  };
}

TEST(HkdfSha256Test, Rfc5869) {
  for (const HkdfVector& v : Rfc5869()) {
    const absl::string_view info(reinterpret_cast<const char*>(v.info.data()),
                                 v.info.size());
    absl::StatusOr<SecretBytes> okm = HkdfSha256(v.ikm, v.salt, info, v.length);
    ASSERT_TRUE(okm.ok()) << v.name;
    EXPECT_EQ(Hex(okm->span()), v.okm_hex) << v.name;
  }
}

TEST(HkdfSha256Test, ShorterOutputIsAPrefix) {
  const HkdfVector v = Rfc5869()[1];
  const absl::string_view info(reinterpret_cast<const char*>(v.info.data()),
                               v.info.size());
  for (size_t length : {1u, 31u, 32u, 33u, 64u}) {
    absl::StatusOr<SecretBytes> okm = HkdfSha256(v.ikm, v.salt, info, length);
    ASSERT_TRUE(okm.ok());
    EXPECT_EQ(Hex(okm->span()), std::string(v.okm_hex).substr(0, 2 * length));
  }
}

TEST(HkdfSha256Test, LengthBounds) {
  const std::vector<uint8_t> ikm = Repeat(0x0b, 22);
  EXPECT_EQ(HkdfSha256(ikm, {}, "", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HkdfSha256(ikm, {}, "", 255 * 32 + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<SecretBytes> max = HkdfSha256(ikm, {}, "", 255 * 32);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size(), kHkdfSha256MaxOutput);
  // The first 42 bytes match RFC 5869 case 3 regardless of the total length.
  EXPECT_EQ(Hex(max->span().first(42)), Rfc5869()[2].okm_hex);
}

}  // namespace
}  // namespace sts::crypto
