#include "sts/policy/principal.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::policy {
namespace {

PeerIdentity Verified() {
  PeerIdentity peer;
  peer.verified = true;
  return peer;
}

TEST(PrincipalTest, PrefersTheSpiffeId) {
  PeerIdentity peer = Verified();
  peer.uri_sans = {"https://example.org/not-spiffe", "spiffe://example.org/ns/web/frontend"};
  peer.dns_sans = {"frontend.example.org"};
  peer.common_name = "frontend";
  EXPECT_EQ(*PrincipalOf(peer), "spiffe://example.org/ns/web/frontend");
}

TEST(PrincipalTest, RefusesTwoSpiffeIds) {
  PeerIdentity peer = Verified();
  peer.uri_sans = {"spiffe://example.org/a", "spiffe://example.org/b"};
  absl::StatusOr<std::string> principal = PrincipalOf(peer);
  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wire::FaultNameOf(principal.status()), "wst:FailedAuthentication");
}

TEST(PrincipalTest, FallsBackToTheFirstDnsNameThenTheCommonName) {
  PeerIdentity peer = Verified();
  peer.uri_sans = {"https://example.org/x"};
  peer.dns_sans = {"Frontend.Example.org", "other.example.org"};
  peer.common_name = "frontend";
  EXPECT_EQ(*PrincipalOf(peer), "dns:frontend.example.org");
  peer.dns_sans.clear();
  EXPECT_EQ(*PrincipalOf(peer), "cn:frontend");
}

// Security review, medium 6: the kind of name is part of the principal.
TEST(PrincipalTest, ANameOfAnotherKindNeverSpellsASpiffeId) {
  PeerIdentity cn = Verified();
  cn.common_name = "spiffe://td/admin";
  EXPECT_EQ(*PrincipalOf(cn), "cn:spiffe://td/admin");
  PeerIdentity dns = Verified();
  dns.dns_sans = {"spiffe://td/admin"};
  EXPECT_EQ(*PrincipalOf(dns), "dns:spiffe://td/admin");
  // A URI SAN of another scheme is not an identity at all.
  PeerIdentity uri = Verified();
  uri.uri_sans = {"https://td/admin"};
  uri.common_name = "svc";
  EXPECT_EQ(*PrincipalOf(uri), "cn:svc");
}

TEST(PrincipalTest, RefusesAnUnverifiedOrNamelessCertificate) {
  PeerIdentity peer;
  peer.common_name = "frontend";
  EXPECT_EQ(PrincipalOf(peer).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(PrincipalOf(Verified()).status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace sts::policy
