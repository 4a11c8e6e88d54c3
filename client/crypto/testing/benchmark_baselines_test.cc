// The raw baselines agree with the crypto module on the same inputs, so a
// benchmark ratio always compares two correct computations; and they refuse
// what they must (a forged tag, a tampered message).
#include "client/crypto/testing/benchmark_baselines.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/crypto/aead.h"
#include "client/crypto/hmac.h"
#include "client/crypto/kdf.h"
#include "gtest/gtest.h"

namespace sts::crypto::baseline {
namespace {

std::vector<uint8_t> Bytes(size_t n, uint8_t first) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(first + i);
  return out;
}

TEST(BenchmarkBaselinesTest, HmacMatchesTheModuleAndRefusesAForgedTag) {
  const std::vector<uint8_t> key = Bytes(32, 0x40);
  const std::vector<uint8_t> data = Bytes(1000, 0x01);
  RawHmacSha256 raw(key);
  uint8_t tag[32];
  raw.Sign(data, tag);
  const HmacSha256Tag expected = HmacSha256(key, data);
  EXPECT_EQ(std::vector<uint8_t>(tag, tag + 32),
            std::vector<uint8_t>(expected.begin(), expected.end()));
  EXPECT_TRUE(raw.Verify(data, tag));
  tag[31] ^= 1;
  EXPECT_FALSE(raw.Verify(data, tag));
  EXPECT_FALSE(raw.Verify(data, absl::MakeConstSpan(tag, 16)));
}

TEST(BenchmarkBaselinesTest, GcmMatchesTheModuleAndRefusesTampering) {
  const std::vector<uint8_t> key = Bytes(32, 0x40);
  const std::vector<uint8_t> nonce = Bytes(12, 0x90);
  const std::vector<uint8_t> aad = Bytes(20, 0x30);
  for (size_t size : {0, 1, 64, 1024, 16385}) {
    const std::vector<uint8_t> plaintext = Bytes(size, 0x07);
    RawAes256Gcm raw(key);
    std::vector<uint8_t> sealed(size + 16);
    raw.Seal(nonce, plaintext, aad, absl::MakeSpan(sealed));
    const absl::StatusOr<std::string> expected =
        AesGcmKey::Create(key)->Seal(nonce, plaintext, aad);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(std::string(sealed.begin(), sealed.end()), *expected) << size;

    std::vector<uint8_t> opened(size);
    ASSERT_TRUE(raw.Open(nonce, sealed, aad, absl::MakeSpan(opened))) << size;
    EXPECT_EQ(opened, plaintext);
    sealed[sealed.size() - 1] ^= 0x80;
    EXPECT_FALSE(raw.Open(nonce, sealed, aad, absl::MakeSpan(opened))) << size;
    EXPECT_EQ(opened, std::vector<uint8_t>(size, 0)) << "no plaintext after a failure";
  }
}

TEST(BenchmarkBaselinesTest, KdfsMatchTheModule) {
  const std::vector<uint8_t> secret = Bytes(32, 0x40);
  const std::vector<uint8_t> seed = Bytes(58, 0xa0);
  for (size_t length : {1, 20, 32, 41, 100}) {
    std::vector<uint8_t> raw(length);
    RawPSha1(secret, seed, absl::MakeSpan(raw));
    const absl::StatusOr<SecretBytes> module = PSha1(secret, seed, 0, length);
    ASSERT_TRUE(module.ok());
    EXPECT_EQ(std::vector<uint8_t>(module->span().begin(), module->span().end()), raw)
        << "P_SHA1, " << length << " bytes";

    const std::vector<uint8_t> salt = Bytes(32, 0x33);
    constexpr absl::string_view kInfo = "sts.v1 message key";
    RawHkdfSha256(secret, salt, kInfo, absl::MakeSpan(raw));
    const absl::StatusOr<SecretBytes> hkdf = HkdfSha256(secret, salt, kInfo, length);
    ASSERT_TRUE(hkdf.ok());
    EXPECT_EQ(std::vector<uint8_t>(hkdf->span().begin(), hkdf->span().end()), raw)
        << "HKDF-SHA256, " << length << " bytes";
  }
}

TEST(BenchmarkBaselinesTest, SignaturesVerifyAndRefuseATamperedMessage) {
  for (auto algorithm :
       {AsymmetricSigner::Algorithm::kRsa2048, AsymmetricSigner::Algorithm::kEcdsaP256}) {
    AsymmetricSigner signer(algorithm);
    std::vector<uint8_t> message = Bytes(1024, 0x11);
    const std::string signature = signer.Sign(message);
    EXPECT_TRUE(signer.Verify(message, signature));
    EXPECT_TRUE(signer.Verify(message, signer.Sign(message)));  // the context is reusable
    message[0] ^= 1;
    EXPECT_FALSE(signer.Verify(message, signature));
    EXPECT_FALSE(signer.Verify(message, "not a signature"));
  }
}

}  // namespace
}  // namespace sts::crypto::baseline
