// What `issue` and `renew` share: the key the holder asks for (lifetime, key
// size, its own entropy for a computed key) and what it does with the answer
// (resolve the key, remember the context, print it).
#ifndef STS_CLIENT_STSCTL_KEY_REQUEST_H_
#define STS_CLIENT_STSCTL_KEY_REQUEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/stsctl/command.h"
#include "client/stsctl/state.h"
#include "sts/v1/sts.pb.h"

namespace sts::stsctl {

// Applies --lifetime, --key-size, --entropy and --computed-key-algorithm to
// `request` (an IssueRequest or a RenewRequest). Returns the requestor
// entropy it added ("" without --entropy); it is secret until the key is
// computed.
template <class Request>
absl::StatusOr<std::string> FillKeyRequest(const Env& env, Request* request);

// Resolves the key of `response` (the binary secret, or the key computed from
// `entropy`), stores the context in the state file and, if `print`, prints
// it. With `renewed`, the state it renewed: its current instance is kept as a
// superseded one for its rollover window (state.h).
int Remember(const Env& env, sts::v1::RequestSecurityTokenResponse response,
             const std::string& entropy, StoredContext* renewed = nullptr, bool print = true);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_KEY_REQUEST_H_
