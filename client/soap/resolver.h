// Where a SOAP receiver gets the key of the security context a
// DerivedKeyToken is derived from. The key is never taken from the message:
// it comes from the holder's own SecurityContext, or from the relying
// party's Verifier (Validate at the STS, as the context's audience).
//
// Contract: implementations are thread-safe. The token names the context
// (identifier, cookie of a stateless one) and an instance, empty for the
// current one. Refusals carry client/wire faults; the receiver restates them
// as WS-Security faults (fault.h SoapRefusalOfResolver).
#ifndef STS_CLIENT_SOAP_RESOLVER_H_
#define STS_CLIENT_SOAP_RESOLVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client/context/security_context.h"
#include "client/protect/instance_keys.h"
#include "client/verifier/verifier.h"
#include "sts/v1/token.pb.h"

namespace sts::soap {

class SctKeyResolver {
 public:
  virtual ~SctKeyResolver() = default;
  virtual absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token) = 0;
  // A message signed under `token`'s keys passed every check (signature,
  // coverage, time, replay): the resolver may trust what it resolved for it
  // (the relying party's cache marks the context confirmed, so forged
  // messages can no longer displace its keys).
  virtual void Accepted(const sts::v1::SecurityContextToken& token) {}
};

// The holder's side: messages under its own context (e.g. the relying
// party's answers), current instance or one inside its rollover window.
std::shared_ptr<SctKeyResolver> HolderResolver(
    std::shared_ptr<const context::SecurityContext> context);

// The relying party's side: any context the STS releases the keys of to
// this audience (Verifier's cache and Validate).
std::shared_ptr<SctKeyResolver> RelyingPartyResolver(std::shared_ptr<verifier::Verifier> verifier);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_RESOLVER_H_
