#ifndef STS_POLICY_PRINCIPAL_H_
#define STS_POLICY_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sts::policy {

// The identity fields of a client certificate that the TLS layer verified.
inline constexpr char kDnsPrincipalPrefix[] = "dns:";
inline constexpr char kCnPrincipalPrefix[] = "cn:";

struct PeerIdentity {
  bool verified = false;  // the chain was verified against the client CAs
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::string common_name;
};

// The principal a verified certificate stands for (docs/ARCHITECTURE.md
// section 2), with its kind in its spelling so that kinds never collide:
//   its SPIFFE ID, as it is ("spiffe://td/ns/web"; the URI SAN with scheme
//   spiffe://; more than one is ambiguous and refused),
//   else "dns:" + its first DNS SAN, lower-cased ("dns:web.example.org"),
//   else "cn:" + its subject CN ("cn:web").
// No verified certificate, or none of these: wst:FailedAuthentication.
absl::StatusOr<std::string> PrincipalOf(const PeerIdentity& peer);

}  // namespace sts::policy

#endif  // STS_POLICY_PRINCIPAL_H_
