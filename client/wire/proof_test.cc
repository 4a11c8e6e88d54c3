// Proof of possession against the worked example of
// docs/PROOF_OF_POSSESSION.md section 6 (computed by
// testdata/make_proof_vector.py from the specification alone), and the
// properties the STS relies on.
#include "client/wire/proof.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/crypto/bytes.h"
#include "client/wire/time.h"
#include "gtest/gtest.h"
#include "sts/v1/sts.pb.h"

namespace sts::wire {
namespace {

constexpr char kIdentifier[] = "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8";
constexpr char kSerializedRequest[] =
    "1a2f0a2d75726e3a757569643a36626137623831302d396461642d343164312d383062342d303063303466"
    "643433306338";
constexpr char kRequestDigest[] =
    "396917628d508e2f2e2b6272d4327d48ee858cb319a5bf7d9af09b2bf833c022";
constexpr char kProofKey[] = "76a41cdcabc078482b5ed9ba8ce838a0f5ceefe13fbc1de987e622f5b2c2a294";
constexpr char kCanonicalInput[] =
    "000000187374732e76312e50726f6f664f66506f7373657373696f6e000000222f7374732e76312e536563"
    "7572697479546f6b656e536572766963652f52656e65770000002d75726e3a757569643a3662613762383130"
    "2d396461642d343164312d383062342d3030633034666434333063380000000131000000006b49d200075b"
    "cd1500000010000102030405060708090a0b0c0d0e0f396917628d508e2f2e2b6272d4327d48ee858cb319"
    "a5bf7d9af09b2bf833c022";
constexpr char kMac[] = "36de55fa12a75e1222326504c543a6c2075181eb9c4652ed88444ab3d01691ff";

std::vector<uint8_t> ContextKey() {
  std::vector<uint8_t> key;
  for (int i = 0x20; i < 0x40; ++i) key.push_back(static_cast<uint8_t>(i));
  return key;
}

std::string Hex(absl::Span<const uint8_t> bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

sts::v1::RenewRequest Request() {
  sts::v1::RenewRequest request;
  request.mutable_renew_target()->set_identifier(kIdentifier);
  return request;
}

sts::v1::ProofOfPossession Proof() {
  sts::v1::ProofOfPossession proof;
  proof.set_instance("1");
  proof.mutable_created()->set_seconds(1'800'000'000);
  proof.mutable_created()->set_nanos(123'456'789);
  std::string nonce;
  for (int i = 0; i < 16; ++i) nonce.push_back(static_cast<char>(i));
  proof.set_nonce(nonce);
  proof.set_mac(absl::HexStringToBytes(kMac));
  return proof;
}

const ProofSubject kSubject{kRenewMethod, kIdentifier, "1"};

TEST(ProofTest, TheRequestDigestIsTheSpecifiedOneAndIgnoresTheProof) {
  sts::v1::RenewRequest request = Request();
  std::string serialized;
  ASSERT_TRUE(request.SerializeToString(&serialized));
  EXPECT_EQ(absl::BytesToHexString(serialized), kSerializedRequest);
  EXPECT_EQ(Hex(RequestDigest(request)), kRequestDigest);
  *request.mutable_proof() = Proof();
  EXPECT_EQ(Hex(RequestDigest(request)), kRequestDigest);
}

// The digest skips the proof's record rather than hashing a cleared copy:
// the two agree whatever surrounds the proof, and records that only look
// like it (another wire type under its number) stay covered.
TEST(ProofTest, TheRequestDigestEqualsTheDigestOfAClearedCopy) {
  sts::v1::RenewRequest request = Request();
  request.mutable_lifetime()->set_seconds(600);
  request.set_computed_key_algorithm("urn:example");
  *request.mutable_proof() = Proof();
  request.GetReflection()->MutableUnknownFields(&request)->AddVarint(99, 5);
  request.GetReflection()->MutableUnknownFields(&request)->AddVarint(
      sts::v1::RenewRequest::kProofFieldNumber, 1);
  const auto cleared_digest = [](sts::v1::RenewRequest copy) {
    copy.clear_proof();
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream stream(&bytes);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.SetSerializationDeterministic(true);
      copy.SerializeToCodedStream(&coded);
    }
    return DigestOfSerialized(bytes);
  };
  EXPECT_EQ(Hex(RequestDigest(request)), Hex(cleared_digest(request)));
  request.clear_proof();
  EXPECT_EQ(Hex(RequestDigest(request)), Hex(cleared_digest(request)));
  // Bytes that do not parse are hashed as they are, never skipped.
  const std::string truncated = "\x7a\x05" "ab";  // field 15, 5 bytes announced, 2 there
  EXPECT_EQ(Hex(DigestWithoutField(truncated, 15)), Hex(DigestOfSerialized(truncated)));
  EXPECT_EQ(Hex(DigestWithoutField("\x7a\x01" "a" "\x08\x01", 15)),
            Hex(DigestOfSerialized("\x08\x01")));
}

TEST(ProofTest, TheProofKeyAndCanonicalInputAreTheSpecifiedOnes) {
  absl::StatusOr<crypto::SecretBytes> key = DeriveProofKey(ContextKey());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Hex(key->span()), kProofKey);
  EXPECT_EQ(absl::BytesToHexString(CanonicalProofInput(kSubject, Proof(), RequestDigest(Request()))),
            kCanonicalInput);
}

TEST(ProofTest, TheSpecifiedMacMatchesAndNothingElseDoes) {
  const Digest digest = RequestDigest(Request());
  EXPECT_TRUE(ProofMacMatches(kSubject, ContextKey(), Proof(), digest));

  std::vector<uint8_t> other_key = ContextKey();
  other_key[0] ^= 1;
  EXPECT_FALSE(ProofMacMatches(kSubject, other_key, Proof(), digest));
  EXPECT_FALSE(ProofMacMatches({kCancelMethod, kIdentifier, "1"}, ContextKey(), Proof(), digest));
  EXPECT_FALSE(ProofMacMatches({kRenewMethod, kIdentifier, "2"}, ContextKey(), Proof(), digest));
  sts::v1::ProofOfPossession later = Proof();
  later.mutable_created()->set_nanos(123'456'790);
  EXPECT_FALSE(ProofMacMatches(kSubject, ContextKey(), later, digest));
  sts::v1::ProofOfPossession truncated = Proof();
  truncated.mutable_mac()->resize(16);
  EXPECT_FALSE(ProofMacMatches(kSubject, ContextKey(), truncated, digest));
  sts::v1::RenewRequest longer = Request();
  longer.set_key_size(512);
  EXPECT_FALSE(ProofMacMatches(kSubject, ContextKey(), Proof(), RequestDigest(longer)));
}

TEST(ProofTest, MakeProofFillsEveryFieldWithAFreshNonce) {
  const Digest digest = RequestDigest(Request());
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000) + absl::Nanoseconds(7);
  sts::v1::ProofOfPossession a;
  sts::v1::ProofOfPossession b;
  ASSERT_TRUE(MakeProof(kSubject, ContextKey(), now, digest, &a).ok());
  ASSERT_TRUE(MakeProof(kSubject, ContextKey(), now, digest, &b).ok());
  EXPECT_EQ(a.instance(), "1");
  EXPECT_EQ(TimeOf(a.created()), now);
  EXPECT_EQ(a.nonce().size(), kMinProofNonceBytes);
  EXPECT_NE(a.nonce(), b.nonce());
  EXPECT_EQ(a.mac().size(), 32u);
  EXPECT_TRUE(ProofMacMatches(kSubject, ContextKey(), a, digest));
  EXPECT_TRUE(ProofMacMatches(kSubject, ContextKey(), b, digest));
}

}  // namespace
}  // namespace sts::wire
