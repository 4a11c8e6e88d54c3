// Where stsctl commands read and write: --in / --out files, or the command's
// streams ("-" or absent), and the text forms they print.
#ifndef STS_CLIENT_STSCTL_IO_H_
#define STS_CLIENT_STSCTL_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/stsctl/command.h"
#include "google/protobuf/timestamp.pb.h"

namespace sts::stsctl {

// The whole of --in (default: env.in).
absl::StatusOr<std::string> ReadInput(const Env& env);
// `data` to --out (default: env.out), replacing the file.
absl::Status WriteOutput(const Env& env, absl::string_view data);

// 2026-12-01T21:19:37Z.
std::string FormatTimestamp(const google::protobuf::Timestamp& t);
// Lower-case hex, for --show-key only.
std::string Hex(absl::string_view bytes);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_IO_H_
