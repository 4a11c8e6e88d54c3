#include "sts/pop/proof_verifier.h"

#include <vector>

#include "client/wire/fault.h"
#include "client/wire/proof.h"
#include "sts/replay/in_memory_replay_cache.h"
#include "gtest/gtest.h"

namespace sts::pop {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::string_view kId = "urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8";

class ProofVerifierTest : public ::testing::Test {
 protected:
  ProofVerifierTest() : verifier_(absl::Minutes(5), &cache_) {
    keys_.push_back(token::KeyCopy{2, kNow + absl::Hours(1),
                                     crypto::SecretBytes::Copy(std::vector<uint8_t>(32, 2))});
    keys_.push_back(token::KeyCopy{1, kNow + absl::Minutes(5),
                                     crypto::SecretBytes::Copy(std::vector<uint8_t>(32, 1))});
    digest_.fill(0x5a);
  }

  sts::v1::ProofOfPossession Make(absl::string_view instance, uint8_t key_fill,
                                  absl::Time at = kNow) {
    sts::v1::ProofOfPossession proof;
    const std::vector<uint8_t> key(32, key_fill);
    EXPECT_TRUE(wire::MakeProof({wire::kRenewMethod, kId, instance}, key, at, digest_, &proof).ok());
    return proof;
  }

  absl::Status Verify(const sts::v1::ProofOfPossession& proof, absl::Time now = kNow) {
    return verifier_.Verify("alice", {wire::kRenewMethod, kId, ""}, proof, true, digest_, keys_, now);
  }

  replay::InMemoryReplayCache cache_;
  ProofVerifier verifier_;
  std::vector<token::KeyCopy> keys_;
  wire::Digest digest_;
};

TEST_F(ProofVerifierTest, AcceptsAProofWithTheCurrentKey) {
  EXPECT_TRUE(Verify(Make("2", 2)).ok());
}

TEST_F(ProofVerifierTest, AcceptsAProofWithARollingOverKeyInsideItsWindow) {
  EXPECT_TRUE(Verify(Make("1", 1)).ok());
  absl::Status late = Verify(Make("1", 1, kNow + absl::Minutes(5)), kNow + absl::Minutes(5));
  EXPECT_EQ(wire::FaultNameOf(late), "wsc:UnknownDerivationSource");
  EXPECT_EQ(late.code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ProofVerifierTest, RefusesAMissingProof) {
  absl::Status s = verifier_.Verify("alice", {wire::kRenewMethod, kId, ""}, {}, false, digest_, keys_, kNow);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(s), "wst:FailedAuthentication");
}

TEST_F(ProofVerifierTest, RefusesTheWrongKey) {
  EXPECT_EQ(wire::FaultNameOf(Verify(Make("2", 3))), "wst:FailedAuthentication");
}

TEST_F(ProofVerifierTest, RefusesAnInstanceThatWasNeverIssued) {
  EXPECT_EQ(wire::FaultNameOf(Verify(Make("7", 2))), "wsc:UnknownDerivationSource");
  EXPECT_EQ(wire::FaultNameOf(Verify(Make("two", 2))), "wsc:UnknownDerivationSource");
}

TEST_F(ProofVerifierTest, RefusesStaleAndFutureTimestamps) {
  EXPECT_EQ(wire::FaultNameOf(Verify(Make("2", 2, kNow - absl::Minutes(6)))), "wst:ExpiredData");
  EXPECT_EQ(wire::FaultNameOf(Verify(Make("2", 2, kNow + absl::Minutes(6)))), "wst:ExpiredData");
  EXPECT_TRUE(Verify(Make("2", 2, kNow - absl::Minutes(4))).ok());
}

TEST_F(ProofVerifierTest, RefusesAReplayButNotAFreshProof) {
  const sts::v1::ProofOfPossession proof = Make("2", 2);
  ASSERT_TRUE(Verify(proof).ok());
  absl::Status replay = Verify(proof, kNow + absl::Seconds(1));
  EXPECT_EQ(replay.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(replay), "wst:FailedAuthentication");
  EXPECT_TRUE(Verify(Make("2", 2)).ok());
}

TEST_F(ProofVerifierTest, RefusesATruncatedOrPaddedMac) {
  sts::v1::ProofOfPossession proof = Make("2", 2);
  proof.set_mac(proof.mac().substr(0, 16));
  EXPECT_EQ(wire::FaultNameOf(Verify(proof)), "wst:FailedAuthentication");
  proof = Make("2", 2);
  proof.set_mac(proof.mac() + "x");
  EXPECT_EQ(wire::FaultNameOf(Verify(proof)), "wst:FailedAuthentication");
}

TEST_F(ProofVerifierTest, RefusesBadNonces) {
  sts::v1::ProofOfPossession proof = Make("2", 2);
  proof.set_nonce("short");
  EXPECT_EQ(wire::FaultNameOf(Verify(proof)), "wst:InvalidRequest");
  proof.set_nonce(std::string(65, 'n'));
  EXPECT_EQ(wire::FaultNameOf(Verify(proof)), "wst:InvalidRequest");
}

TEST_F(ProofVerifierTest, AProofIsBoundToItsRequestMethodAndToken) {
  const sts::v1::ProofOfPossession proof = Make("2", 2);
  wire::Digest other = digest_;
  other[0] ^= 1;
  EXPECT_FALSE(verifier_.Verify("alice", {wire::kRenewMethod, kId, ""}, proof, true, other, keys_, kNow).ok());
  EXPECT_FALSE(verifier_.Verify("alice", {wire::kCancelMethod, kId, ""}, proof, true, digest_, keys_, kNow).ok());
  EXPECT_FALSE(verifier_.Verify("alice", {wire::kRenewMethod, "urn:uuid:00000000-0000-4000-8000-000000000000", ""},
                                proof, true, digest_, keys_, kNow).ok());
}

TEST_F(ProofVerifierTest, AForgedProofDoesNotFillTheReplayCache) {
  for (int i = 0; i < 100; ++i) Verify(Make("2", 3)).IgnoreError();
  EXPECT_EQ(cache_.size(), 0u);
}

}  // namespace
}  // namespace sts::pop
