#include "sts/policy/principal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::policy {

using wire::Refuse;
using wire::Refusal;

absl::StatusOr<std::string> PrincipalOf(const PeerIdentity& peer) {
  if (!peer.verified) {
    return Refuse(Refusal::kUnauthenticated, "a verified client certificate is required");
  }
  const std::string* spiffe = nullptr;
  for (const std::string& uri : peer.uri_sans) {
    if (!absl::StartsWithIgnoreCase(uri, "spiffe://")) continue;
    if (spiffe != nullptr) {
      return Refuse(Refusal::kUnauthenticated,
                    "client certificate carries more than one SPIFFE ID");
    }
    spiffe = &uri;
  }
  if (spiffe != nullptr) return *spiffe;
  // Other kinds keep their kind in the principal, so a DNS name or a common
  // name that spells a SPIFFE ID cannot pass for it.
  if (!peer.dns_sans.empty()) {
    return absl::StrCat(kDnsPrincipalPrefix, absl::AsciiStrToLower(peer.dns_sans.front()));
  }
  if (!peer.common_name.empty()) return absl::StrCat(kCnPrincipalPrefix, peer.common_name);
  return Refuse(Refusal::kUnauthenticated,
                "client certificate names no SPIFFE ID, DNS name or common name");
}

}  // namespace sts::policy
