#include "client/wire/scrub.h"

#include <string>

#include "gtest/gtest.h"

namespace sts::wire {
namespace {

// Overwritten in place (same buffer, same size, all zero), so nothing is
// left for the allocator to hand out later.
void ExpectWipedInPlace(const std::string& s, const char* before_data, size_t before_size) {
  EXPECT_EQ(s.data(), before_data);
  ASSERT_EQ(s.size(), before_size);
  EXPECT_EQ(s, std::string(before_size, '\0'));
}

// Security review, medium 8: the requestor's and the issuer's entropy
// (which together give a computed key) are wiped like keys.
TEST(ScrubTest, ResponsesLoseTheirKeysAndTheIssuersEntropy) {
  sts::v1::RequestSecurityTokenResponse issued;
  std::string* key = issued.mutable_requested_proof_token()->mutable_binary_secret()->mutable_value();
  *key = std::string(32, 'k');
  const char* key_data = key->data();
  ScrubResponse(&issued);
  ExpectWipedInPlace(*key, key_data, 32);

  sts::v1::RequestSecurityTokenResponse computed;
  computed.mutable_requested_proof_token()->set_computed_key("urn:x");
  std::string* entropy = computed.mutable_entropy()->mutable_binary_secret()->mutable_value();
  *entropy = std::string(48, 'e');
  const char* entropy_data = entropy->data();
  ScrubResponse(&computed);
  ExpectWipedInPlace(*entropy, entropy_data, 48);

  sts::v1::ValidateResponse validated;
  std::string* released = validated.add_keys()->mutable_key();
  *released = std::string(32, 'r');
  const char* released_data = released->data();
  ScrubResponse(&validated);
  ExpectWipedInPlace(*released, released_data, 32);
}

TEST(ScrubTest, RequestsLoseTheRequestorsEntropy) {
  sts::v1::IssueRequest issue;
  std::string* a = issue.mutable_entropy()->mutable_binary_secret()->mutable_value();
  *a = std::string(40, 'a');
  const char* a_data = a->data();
  ScrubRequest(&issue);
  ExpectWipedInPlace(*a, a_data, 40);

  sts::v1::RenewRequest renew;
  std::string* b = renew.mutable_entropy()->mutable_binary_secret()->mutable_value();
  *b = std::string(40, 'b');
  const char* b_data = b->data();
  ScrubRequest(&renew);
  ExpectWipedInPlace(*b, b_data, 40);
}

}  // namespace
}  // namespace sts::wire
