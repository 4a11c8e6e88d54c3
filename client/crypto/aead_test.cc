#include "client/crypto/aead.h"

#include <algorithm>
#include <cstdint>
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

struct GcmVector {
  const char* name;
  const char* key_hex;
  const char* nonce_hex;
  const char* plaintext_hex;
  const char* aad_hex;
  const char* sealed_hex;  // ciphertext || tag
};

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", the NIST
// submission, appendix B: test cases 13-16 (256-bit keys) and 2-4 (128-bit).
constexpr GcmVector kNistVectors[] = {
    {"gcm_spec_case13",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"gcm_spec_case14",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18"
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"gcm_spec_case15",
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"gcm_spec_case16",
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"gcm_spec_case2", "00000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "0388dace60b6a392f328c2b971b2fe78"
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"gcm_spec_case3", "feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"gcm_spec_case4", "feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
     "5bc94fbc3221a5db94fae95ae7121a47"},
};

// Produced by testdata/make_aesgcm_vectors.py with Python cryptography.
constexpr GcmVector kPythonVectors[] = {
#include "client/crypto/testdata/aesgcm_vectors.inc"
};

AesGcmKey MakeKey(absl::Span<const uint8_t> key) {
  absl::StatusOr<AesGcmKey> created = AesGcmKey::Create(key);
  EXPECT_TRUE(created.ok()) << created.status();
  return *std::move(created);
}

std::vector<uint8_t> Bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

void CheckKnownAnswer(const GcmVector& v) {
  SCOPED_TRACE(v.name);
  AesGcmKey key = MakeKey(Unhex(v.key_hex));
  const std::vector<uint8_t> nonce = Unhex(v.nonce_hex);
  const std::vector<uint8_t> plaintext = Unhex(v.plaintext_hex);
  const std::vector<uint8_t> aad = Unhex(v.aad_hex);
  const std::vector<uint8_t> sealed = Unhex(v.sealed_hex);

  absl::StatusOr<std::string> out = key.Seal(nonce, plaintext, aad);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Hex(AsBytes(*out)), v.sealed_hex);

  absl::StatusOr<SecretBytes> opened = key.Open(nonce, sealed, aad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(Hex(opened->span()), v.plaintext_hex);
}

TEST(AesGcmTest, NistSpecKnownAnswers) {
  for (const GcmVector& v : kNistVectors) CheckKnownAnswer(v);
}

TEST(AesGcmTest, PythonCryptographyKnownAnswers) {
  ASSERT_GE(std::size(kPythonVectors), 8u);
  for (const GcmVector& v : kPythonVectors) CheckKnownAnswer(v);
}

class AesGcmFixture : public ::testing::Test {
 protected:
  const std::vector<uint8_t> key_bytes_ = Repeat(0x3c, 32);
  const std::vector<uint8_t> nonce_ = Unhex("000102030405060708090a0b");
  const std::vector<uint8_t> plaintext_ =
      Bytes("sct key material: 0123456789abcdef");
  const std::vector<uint8_t> aad_ = Bytes("sts.v1/sct");
  AesGcmKey key_ = MakeKey(key_bytes_);
};

TEST_F(AesGcmFixture, RoundTripAtManySizes) {
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 255u, 4096u, 65537u}) {
    std::vector<uint8_t> plaintext(n);
    for (size_t i = 0; i < n; ++i) plaintext[i] = static_cast<uint8_t>(i * 7);
    absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext, aad_);
    ASSERT_TRUE(sealed.ok());
    ASSERT_EQ(sealed->size(), n + AesGcmKey::kTagSize);
    absl::StatusOr<SecretBytes> opened =
        key_.Open(nonce_, AsBytes(*sealed), aad_);
    ASSERT_TRUE(opened.ok()) << n;
    EXPECT_EQ(Hex(opened->span()), Hex(plaintext)) << n;
  }
}

TEST_F(AesGcmFixture, EverySingleBitFlipIsRefused) {
  absl::StatusOr<std::string> sealed_or = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed_or.ok());
  const std::vector<uint8_t> sealed = Bytes(*sealed_or);

  auto expect_refused =
      [&](absl::Span<const uint8_t> nonce, absl::Span<const uint8_t> ct,
          absl::Span<const uint8_t> aad, const char* what, size_t bit) {
        absl::StatusOr<SecretBytes> opened = key_.Open(nonce, ct, aad);
        ASSERT_FALSE(opened.ok()) << what << " bit " << bit;
        EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss)
            << what << " bit " << bit;
      };
  auto flip = [](std::vector<uint8_t> v, size_t bit) {
    v[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    return v;
  };
  // Covers both the ciphertext and the tag.
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    expect_refused(nonce_, flip(sealed, bit), aad_, "ciphertext||tag", bit);
  }
  for (size_t bit = 0; bit < aad_.size() * 8; ++bit) {
    expect_refused(nonce_, sealed, flip(aad_, bit), "aad", bit);
  }
  for (size_t bit = 0; bit < nonce_.size() * 8; ++bit) {
    expect_refused(flip(nonce_, bit), sealed, aad_, "nonce", bit);
  }
  // Dropping or adding AAD, and truncating the ciphertext, are refused too.
  expect_refused(nonce_, sealed, {}, "no aad", 0);
  std::vector<uint8_t> longer_aad = aad_;
  longer_aad.push_back(0);
  expect_refused(nonce_, sealed, longer_aad, "longer aad", 0);
  expect_refused(nonce_, absl::MakeConstSpan(sealed).subspan(1), aad_,
                 "dropped first byte", 0);
  expect_refused(nonce_, absl::MakeConstSpan(sealed).first(sealed.size() - 1),
                 aad_, "dropped last byte", 0);
  // The untouched message still opens.
  EXPECT_TRUE(key_.Open(nonce_, sealed, aad_).ok());
}

TEST_F(AesGcmFixture, WrongKeyIsRefused) {
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  std::vector<uint8_t> other_bytes = key_bytes_;
  other_bytes[31] ^= 0x01;
  AesGcmKey other = MakeKey(other_bytes);
  absl::StatusOr<SecretBytes> opened =
      other.Open(nonce_, AsBytes(*sealed), aad_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  // An AES-128 key made of the first half does not open it either.
  AesGcmKey half = MakeKey(absl::MakeConstSpan(key_bytes_).first(16));
  EXPECT_FALSE(half.Open(nonce_, AsBytes(*sealed), aad_).ok());
}

TEST_F(AesGcmFixture, FailureMessagesCarryNoData) {
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  std::string tampered = *sealed;
  tampered[0] ^= 1;
  const absl::Status status =
      key_.Open(nonce_, AsBytes(tampered), aad_).status();
  ASSERT_FALSE(status.ok());
  const std::string message(status.message());
  for (const std::string& secret :
       {Hex(key_bytes_), Hex(plaintext_), Hex(nonce_), Hex(AsBytes(tampered)),
        std::string(plaintext_.begin(), plaintext_.end()),
        std::string(aad_.begin(), aad_.end())}) {
    EXPECT_EQ(message.find(secret), std::string::npos);
  }
  EXPECT_EQ(message, "AES-GCM authentication failed");
}

TEST_F(AesGcmFixture, WrongNonceLengthIsRefused) {
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  for (size_t n : {0u, 1u, 8u, 11u, 13u, 16u, 32u}) {
    const std::vector<uint8_t> nonce(n, 0x01);
    EXPECT_EQ(key_.Seal(nonce, plaintext_, aad_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
    EXPECT_EQ(key_.Open(nonce, AsBytes(*sealed), aad_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
}

TEST_F(AesGcmFixture, CiphertextShorterThanTagIsRefused) {
  for (size_t n : {0u, 1u, 15u}) {
    const std::vector<uint8_t> short_input(n, 0);
    EXPECT_EQ(key_.Open(nonce_, short_input, aad_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
}

TEST(AesGcmKeyTest, KeySizes) {
  for (size_t n : {0u, 1u, 15u, 24u, 31u, 33u, 64u}) {
    absl::StatusOr<AesGcmKey> key = AesGcmKey::Create(Repeat(0x01, n));
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
  EXPECT_TRUE(AesGcmKey::Create(Repeat(0x01, 16)).ok());
  EXPECT_TRUE(AesGcmKey::Create(Repeat(0x01, 32)).ok());
}

TEST_F(AesGcmFixture, IntoVariantsMatchAndSupportInPlace) {
  absl::StatusOr<std::string> expected = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(expected.ok());

  std::vector<uint8_t> out(plaintext_.size() + AesGcmKey::kTagSize);
  ASSERT_TRUE(
      key_.SealInto(nonce_, plaintext_, aad_, absl::MakeSpan(out)).ok());
  EXPECT_EQ(Hex(out), Hex(AsBytes(*expected)));

  // In place: the plaintext sits at the front of a buffer with room for the
  // tag, and is opened back in place.
  std::vector<uint8_t> buffer = plaintext_;
  buffer.resize(plaintext_.size() + AesGcmKey::kTagSize);
  ASSERT_TRUE(
      key_.SealInto(nonce_,
                    absl::MakeConstSpan(buffer).first(plaintext_.size()), aad_,
                    absl::MakeSpan(buffer))
          .ok());
  EXPECT_EQ(Hex(buffer), Hex(AsBytes(*expected)));
  ASSERT_TRUE(key_.OpenInto(nonce_, buffer, aad_,
                            absl::MakeSpan(buffer).first(plaintext_.size()))
                  .ok());
  EXPECT_EQ(Hex(absl::MakeConstSpan(buffer).first(plaintext_.size())),
            Hex(plaintext_));
}

TEST_F(AesGcmFixture, IntoVariantsCheckSizesAndOverlap) {
  std::vector<uint8_t> small(plaintext_.size() + AesGcmKey::kTagSize - 1);
  EXPECT_EQ(
      key_.SealInto(nonce_, plaintext_, aad_, absl::MakeSpan(small)).code(),
      absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  std::vector<uint8_t> big(plaintext_.size() + 1);
  EXPECT_EQ(
      key_.OpenInto(nonce_, AsBytes(*sealed), aad_, absl::MakeSpan(big)).code(),
      absl::StatusCode::kInvalidArgument);
  // Output starting one byte into the input: refused, not silently corrupted.
  std::vector<uint8_t> buffer(plaintext_.size() + AesGcmKey::kTagSize + 1);
  EXPECT_EQ(key_.SealInto(nonce_,
                          absl::MakeConstSpan(buffer).first(plaintext_.size()),
                          aad_, absl::MakeSpan(buffer).subspan(1))
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AesGcmFixture, OpenIntoWipesOutputOnFailure) {
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  std::string tampered = *sealed;
  tampered.back() ^= 1;  // tag only: the ciphertext still decrypts
  std::vector<uint8_t> out(plaintext_.size(), 0xee);
  EXPECT_EQ(key_.OpenInto(nonce_, AsBytes(tampered), aad_, absl::MakeSpan(out))
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(out, std::vector<uint8_t>(plaintext_.size(), 0));
}

TEST_F(AesGcmFixture, DetachedFormsMatchAndRefuseBadTags) {
  absl::StatusOr<std::string> expected = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(expected.ok());
  // Sealed in place, tag apart: the same bytes as ciphertext || tag.
  std::vector<uint8_t> text = plaintext_;
  std::vector<uint8_t> tag(AesGcmKey::kTagSize);
  ASSERT_TRUE(key_.SealDetached(nonce_, text, aad_, absl::MakeSpan(text),
                                absl::MakeSpan(tag))
                  .ok());
  std::vector<uint8_t> joined = text;
  joined.insert(joined.end(), tag.begin(), tag.end());
  EXPECT_EQ(Hex(joined), Hex(AsBytes(*expected)));

  std::vector<uint8_t> out(text.size(), 0xee);
  ASSERT_TRUE(key_.OpenDetached(nonce_, text, tag, aad_, absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, plaintext_);

  // A flipped tag bit: refused, output wiped. A short tag: malformed.
  tag[3] ^= 0x10;
  std::fill(out.begin(), out.end(), 0xee);
  EXPECT_EQ(key_.OpenDetached(nonce_, text, tag, aad_, absl::MakeSpan(out)).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(out, std::vector<uint8_t>(out.size(), 0));
  tag[3] ^= 0x10;
  EXPECT_EQ(key_.OpenDetached(nonce_, text, absl::MakeConstSpan(tag).first(15), aad_,
                              absl::MakeSpan(out))
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Wrong sizes are refused, not truncated.
  std::vector<uint8_t> short_out(text.size() - 1);
  EXPECT_EQ(key_.SealDetached(nonce_, plaintext_, aad_, absl::MakeSpan(short_out),
                              absl::MakeSpan(tag))
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AesGcmFixture, DetachedTagMustNotOverlapTheText) {
  // One buffer: the tag's 16 bytes start inside the ciphertext.
  std::vector<uint8_t> buffer(plaintext_.size() + AesGcmKey::kTagSize);
  std::copy(plaintext_.begin(), plaintext_.end(), buffer.begin());
  const absl::Span<uint8_t> text = absl::MakeSpan(buffer).first(plaintext_.size());
  const absl::Span<uint8_t> tag = absl::MakeSpan(buffer).subspan(8, AesGcmKey::kTagSize);
  EXPECT_EQ(key_.SealDetached(nonce_, plaintext_, aad_, text, tag).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(key_.SealDetached(nonce_, text, aad_, text, tag).code(),
            absl::StatusCode::kInvalidArgument);

  // Opening may write over the caller's tag: it is read before the output.
  std::vector<uint8_t> ciphertext(plaintext_.size());
  std::vector<uint8_t> sealed_tag(AesGcmKey::kTagSize);
  ASSERT_TRUE(key_.SealDetached(nonce_, plaintext_, aad_, absl::MakeSpan(ciphertext),
                                absl::MakeSpan(sealed_tag))
                  .ok());
  std::vector<uint8_t> out(plaintext_.size());
  std::copy(sealed_tag.begin(), sealed_tag.end(), out.begin());
  ASSERT_TRUE(key_.OpenDetached(nonce_, ciphertext,
                                absl::MakeConstSpan(out).first(AesGcmKey::kTagSize), aad_,
                                absl::MakeSpan(out))
                  .ok());
  EXPECT_EQ(out, plaintext_);
}

TEST_F(AesGcmFixture, MovedKeyKeepsWorking) {
  absl::StatusOr<std::string> sealed = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(sealed.ok());
  AesGcmKey moved = std::move(key_);
  absl::StatusOr<SecretBytes> opened =
      moved.Open(nonce_, AsBytes(*sealed), aad_);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Hex(opened->span()), Hex(plaintext_));
}

TEST_F(AesGcmFixture, ConcurrentUseOfOneKey) {
  absl::StatusOr<std::string> expected = key_.Seal(nonce_, plaintext_, aad_);
  ASSERT_TRUE(expected.ok());
  std::vector<int> failures(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        absl::StatusOr<std::string> sealed =
            key_.Seal(nonce_, plaintext_, aad_);
        if (!sealed.ok() || *sealed != *expected) ++failures[t];
        absl::StatusOr<SecretBytes> opened =
            key_.Open(nonce_, AsBytes(*expected), aad_);
        if (!opened.ok() || opened->size() != plaintext_.size()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace sts::crypto
