// `stsctl soap sign | verify | encrypt | decrypt` (client/soap over the
// remembered SCT, or, with --resolve, as the relying party through
// Validate), and the WS-Trust XML form `stsctl issue --xml` prints.
#ifndef STS_CLIENT_STSCTL_SOAP_COMMAND_H_
#define STS_CLIENT_STSCTL_SOAP_COMMAND_H_

#include <set>
#include <string>

#include "absl/time/time.h"
#include "client/channel.h"
#include "client/stsctl/args.h"
#include "sts/v1/sts.pb.h"

namespace sts::stsctl {

// The flags the soap command adds to stsctl's (value flags, then switches).
extern const std::set<std::string> kSoapValueFlags;
extern const std::set<std::string> kSoapSwitchFlags;
// Its part of `stsctl --help`.
extern const char kSoapUsage[];

// Runs `stsctl soap SUBCOMMAND` (args.positional[0]); `channel` and
// `timeout` reach the STS for --resolve. Returns the exit code: 0 done, 1
// refused (the fault on stderr), 2 usage.
int RunSoapCommand(const Args& args, const ChannelOptions& channel, absl::Duration timeout);

// The Issue response as a WS-Trust 1.3 RequestSecurityTokenResponseCollection;
// the key (a binary secret) only with `show_key`.
std::string IssueResponseXmlText(const sts::v1::RequestSecurityTokenResponse& response,
                                 bool show_key);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_SOAP_COMMAND_H_
