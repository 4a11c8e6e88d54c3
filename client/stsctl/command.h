// The stsctl commands, one file each, as functions of their flags, their
// input and output streams, a clock and (for those that talk to the STS) an
// StsApi, so each is unit-tested against the in-process STS without a
// server. main.cc parses the command line and builds the real StsApi over a
// mutual-TLS channel.
//
// Every command returns the process exit code: 0 success, 1 refused or
// failed (the reason, and the fault when there is one, on `err`), 2 bad
// usage; `validate` returns 3 for a context the STS says is invalid.
#ifndef STS_CLIENT_STSCTL_COMMAND_H_
#define STS_CLIENT_STSCTL_COMMAND_H_

#include <iosfwd>

#include "absl/status/status.h"
#include "client/clock.h"
#include "client/context/sts_api.h"
#include "client/stsctl/args.h"

namespace sts::stsctl {

struct Env {
  const Args& args;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  const Clock* clock;
};

// Prints `status` (and its fault, if the message does not name it) to
// env.err; returns 1.
int Fail(const Env& env, const absl::Status& status);

int RunIssue(const Env& env, context::StsApi& sts);
int RunRenew(const Env& env, context::StsApi& sts);
int RunCancel(const Env& env, context::StsApi& sts);
int RunValidate(const Env& env, context::StsApi& sts);
// sign (seal = false) and seal: with the remembered SCT, no STS needed.
int RunProtect(const Env& env, bool seal);
// verify (open = false) and open: with the remembered SCT when `relying_party`
// is null, else as the relying party resolving keys through it (--resolve).
int RunCheck(const Env& env, bool open, context::StsApi* relying_party);
// health: the gRPC health service, over mutual TLS or plaintext.
int RunHealth(const Env& env);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_COMMAND_H_
