#include "client/crypto/hmac.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "client/crypto/bytes.h"
#include "client/crypto/testing/test_util.h"
#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

using ::sts::crypto::testing::Hex;
using ::sts::crypto::testing::Repeat;
using ::sts::crypto::testing::Unhex;

struct Vector {
  const char* name;
  std::vector<uint8_t> key;
  std::vector<uint8_t> data;
  const char* expected_hex;
};

std::vector<uint8_t> Text(const char* s) {
  absl::Span<const uint8_t> b = AsBytes(s);
  return std::vector<uint8_t>(b.begin(), b.end());
}

// RFC 4231 section 4. Test case 5 truncates its output to 128 bits and is
// covered by TruncatedTagIsRefused instead.
std::vector<Vector> Rfc4231() {
  return {
      {"rfc4231_case1", Repeat(0x0b, 20), Text("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"rfc4231_case2", Text("Jefe"), Text("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"rfc4231_case3", Repeat(0xaa, 20), Repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"rfc4231_case4",
       Unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       Repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"rfc4231_case6", Repeat(0xaa, 131),
       Text("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"rfc4231_case7", Repeat(0xaa, 131),
       Text("This is a test using a larger than block-size key and a larger "
            "than block-size data. The key needs to be hashed before being "
            "used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

// RFC 2202 section 3, test cases 1-3.
std::vector<Vector> Rfc2202() {
  return {
      {"rfc2202_case1", Repeat(0x0b, 20), Text("Hi There"),
       "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"rfc2202_case2", Text("Jefe"), Text("what do ya want for nothing?"),
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"rfc2202_case3", Repeat(0xaa, 20), Repeat(0xdd, 50),
       "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
  };
}

TEST(HmacSha256Test, Rfc4231OneShot) {
  for (const Vector& v : Rfc4231()) {
    EXPECT_EQ(Hex(HmacSha256(v.key, v.data)), v.expected_hex) << v.name;
  }
}

TEST(HmacSha256KeyTest, Rfc4231SignAndVerify) {
  for (const Vector& v : Rfc4231()) {
    absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create(v.key);
    ASSERT_TRUE(key.ok()) << v.name;
    EXPECT_EQ(Hex(key->Sign(v.data)), v.expected_hex) << v.name;
    // Signing twice reuses the template; the state must not carry over.
    EXPECT_EQ(Hex(key->Sign(v.data)), v.expected_hex) << v.name;
    EXPECT_TRUE(key->Verify(v.data, Unhex(v.expected_hex))) << v.name;
  }
}

TEST(HmacSha1Test, Rfc2202OneShot) {
  for (const Vector& v : Rfc2202()) {
    EXPECT_EQ(Hex(HmacSha1(v.key, v.data)), v.expected_hex) << v.name;
  }
}

TEST(HmacSha256KeyTest, TruncatedTagIsRefused) {
  // RFC 4231 test case 5: the published value is the 128-bit truncation.
  const std::vector<uint8_t> key_bytes = Repeat(0x0c, 20);
  const auto data = AsBytes("Test With Truncation");
  const std::vector<uint8_t> truncated =
      Unhex("a3b6167473100ee06e0c796c2955552b");
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create(key_bytes);
  ASSERT_TRUE(key.ok());
  const HmacSha256Tag full = key->Sign(data);
  // The published truncation is a prefix of our full tag...
  EXPECT_EQ(Hex(absl::MakeConstSpan(full).first(16)), Hex(truncated));
  // ...yet it is refused, as is every other length that is not 32.
  EXPECT_FALSE(key->Verify(data, truncated));
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(key->Verify(data, absl::MakeConstSpan(full).first(n))) << n;
  }
  std::vector<uint8_t> longer(full.begin(), full.end());
  longer.push_back(0);
  EXPECT_FALSE(key->Verify(data, longer));
  EXPECT_TRUE(key->Verify(data, full));
}

TEST(HmacSha256KeyTest, VerifyRefusesEveryBitFlip) {
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create(Repeat(0x42, 32));
  ASSERT_TRUE(key.ok());
  const auto data = AsBytes("sts.v1 canonical request");
  const HmacSha256Tag tag = key->Sign(data);
  for (size_t bit = 0; bit < tag.size() * 8; ++bit) {
    HmacSha256Tag flipped = tag;
    flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(key->Verify(data, flipped)) << "bit " << bit;
  }
  EXPECT_FALSE(key->Verify(AsBytes("sts.v1 canonical requesT"), tag));
}

TEST(HmacSha256KeyTest, EmptyKeyIsRefused) {
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create({});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HmacSha256KeyTest, MultiPartEqualsConcatenation) {
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create(AsBytes("Jefe"));
  ASSERT_TRUE(key.ok());
  const std::string whole = "what do ya want for nothing?";
  const HmacSha256Tag expected = key->Sign(AsBytes(whole));
  for (size_t a = 0; a <= whole.size(); ++a) {
    for (size_t b = a; b <= whole.size(); b += 5) {
      const absl::string_view w(whole);
      EXPECT_EQ(key->Sign({AsBytes(w.substr(0, a)), AsBytes(w.substr(a, b - a)),
                           AsBytes(w.substr(b))}),
                expected)
          << a << "," << b;
    }
  }
  EXPECT_TRUE(key->Verify(
      {AsBytes("what do ya "), AsBytes("want for nothing?")}, expected));
  EXPECT_FALSE(key->Verify(
      {AsBytes("what do ya "), AsBytes("want for nothing")}, expected));
  EXPECT_EQ(key->Sign({}), key->Sign(absl::Span<const uint8_t>()));
}

TEST(HmacSha256KeyTest, MovedKeyKeepsWorking) {
  absl::StatusOr<HmacSha256Key> created =
      HmacSha256Key::Create(Repeat(0x0b, 20));
  ASSERT_TRUE(created.ok());
  HmacSha256Key key = *std::move(created);
  HmacSha256Key other = std::move(key);
  EXPECT_EQ(Hex(other.Sign(AsBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256KeyTest, ConcurrentSignsAgree) {
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::Create(Repeat(0xaa, 20));
  ASSERT_TRUE(key.ok());
  const std::vector<uint8_t> data = Repeat(0xdd, 50);
  const std::string expected =
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (Hex(key->Sign(data)) != expected) ++mismatches[t];
        if (!key->Verify(data, Unhex(expected))) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(HmacOneShotTest, EmptyKeyAndDataAreDefined) {
  // HMAC is defined for empty keys; cross-checked with Python's hmac module.
  EXPECT_EQ(Hex(HmacSha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(Hex(HmacSha1({}, {})), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

TEST(HmacSha256KeyTest, WithPrefixEqualsSigningThePrefixToo) {
  const std::string key = "prefix test key";
  absl::StatusOr<HmacSha256Key> k = HmacSha256Key::Create(AsBytes(key));
  ASSERT_TRUE(k.ok());
  // Prefixes across the 64-byte block boundary, and an empty one.
  for (size_t n : {0, 1, 63, 64, 65, 150}) {
    const std::string prefix(n, 'p');
    const std::string rest = "and the rest of the message";
    const HmacSha256Key prefixed = k->WithPrefix(AsBytes(prefix));
    const HmacSha256Tag tag = prefixed.Sign(AsBytes(rest));
    EXPECT_EQ(tag, k->Sign({AsBytes(prefix), AsBytes(rest)})) << n;
    EXPECT_EQ(tag, HmacSha256(AsBytes(key), AsBytes(prefix + rest))) << n;
    EXPECT_TRUE(prefixed.Verify(AsBytes(rest), tag));
    // The original key is unchanged by making the copy.
    EXPECT_EQ(k->Sign(AsBytes(rest)), HmacSha256(AsBytes(key), AsBytes(rest)));
  }
}

}  // namespace
}  // namespace sts::crypto
