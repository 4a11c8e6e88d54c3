#include "client/crypto/digest.h"

#include <string>
#include <utility>

#include "client/crypto/testing/test_util.h"
#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

using ::sts::crypto::testing::Hex;

// FIPS 180-2 Appendix B examples.
constexpr char kAbcDigest[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlockMessage[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr char kTwoBlockDigest[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionADigest[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
constexpr char kEmptyDigest[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(Hex(Sha256("abc")), kAbcDigest);
  EXPECT_EQ(Hex(Sha256(kTwoBlockMessage)), kTwoBlockDigest);
  EXPECT_EQ(Hex(Sha256("")), kEmptyDigest);
  EXPECT_EQ(Hex(Sha256(absl::Span<const uint8_t>())), kEmptyDigest);
  EXPECT_EQ(Hex(Sha256(std::string(1000000, 'a'))), kMillionADigest);
}

TEST(Sha256Test, SpanAndStringOverloadsAgree) {
  const std::string text = "a canonical encoding";
  const absl::Span<const uint8_t> bytes(
      reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_EQ(Sha256(bytes), Sha256(text));
  static_assert(kSha256Size == 32);
}

TEST(Sha256HasherTest, IncrementalMatchesOneShot) {
  Sha256Hasher hasher;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) hasher.Update(thousand);
  EXPECT_EQ(Hex(hasher.Finish()), kMillionADigest);

  // Splits at every position of the two-block message.
  const std::string message = kTwoBlockMessage;
  for (size_t split = 0; split <= message.size(); ++split) {
    hasher.Update(absl::string_view(message).substr(0, split));
    hasher.Update(absl::string_view(message).substr(split));
    EXPECT_EQ(Hex(hasher.Finish()), kTwoBlockDigest) << "split " << split;
  }
}

TEST(Sha256HasherTest, FinishResetsForTheNextMessage) {
  Sha256Hasher hasher;
  hasher.Update("abc");
  EXPECT_EQ(Hex(hasher.Finish()), kAbcDigest);
  EXPECT_EQ(Hex(hasher.Finish()), kEmptyDigest);
  hasher.Update("abc");
  EXPECT_EQ(Hex(hasher.Finish()), kAbcDigest);
}

TEST(Sha256HasherTest, MoveKeepsState) {
  Sha256Hasher a;
  a.Update("ab");
  Sha256Hasher b = std::move(a);
  b.Update("c");
  EXPECT_EQ(Hex(b.Finish()), kAbcDigest);
}

}  // namespace
}  // namespace sts::crypto
