#ifndef STS_CLIENT_STSCTL_STATE_H_
#define STS_CLIENT_STSCTL_STATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "sts/v1/sts.pb.h"

namespace sts::stsctl {

// stsctl remembers the context it last obtained in one file: the RSTR as the
// client resolved it, i.e. with the context key in
// requested_proof_token.binary_secret even when the key was computed. The
// file holds a key, so it is written owner-only (0600, in a 0700 directory)
// and replaced atomically.
absl::Status SaveContext(const std::string& path,
                         const sts::v1::RequestSecurityTokenResponse& context);
absl::StatusOr<sts::v1::RequestSecurityTokenResponse> LoadContext(const std::string& path);

// $STSCTL_STATE, else $HOME/.stsctl/context.
std::string DefaultStatePath();

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_STATE_H_
