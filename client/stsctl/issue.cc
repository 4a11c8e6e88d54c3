// stsctl issue: obtain a new security context token and remember it.
#include "absl/cleanup/cleanup.h"
#include "client/crypto/constant_time.h"
#include "client/stsctl/command.h"
#include "client/wire/scrub.h"
#include "client/stsctl/key_request.h"
#include "client/stsctl/soap_command.h"

namespace sts::stsctl {

int RunIssue(const Env& env, context::StsApi& sts) {
  sts::v1::IssueRequest request;
  request.set_applies_to(env.args.Get("applies-to"));
  absl::StatusOr<std::string> entropy = FillKeyRequest(env, &request);
  if (!entropy.ok()) return Fail(env, entropy.status());
  // Our half of a computed key, wherever it was copied, is wiped on the way
  // out (the state file keeps the computed key itself).
  absl::Cleanup wipe = [&] {
    if (!entropy->empty()) crypto::SecureZero(entropy->data(), entropy->size());
    wire::ScrubRequest(&request);
  };
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> response = sts.Issue(request);
  if (!response.ok()) return Fail(env, response.status());
  if (!env.args.Has("xml")) return Remember(env, *std::move(response), *entropy);
  // The WS-Trust XML form instead of the summary (the key only with
  // --show-key); the context is remembered all the same.
  env.out << IssueResponseXmlText(*response, env.args.Has("show-key"));
  return Remember(env, *std::move(response), *entropy, /*renewed=*/nullptr, /*print=*/false);
}

}  // namespace sts::stsctl
