// The flags several stsctl commands share, parsed and checked in one place:
// a malformed value is an InvalidArgument naming the flag, never a silent
// default.
#ifndef STS_CLIENT_STSCTL_FLAGS_H_
#define STS_CLIENT_STSCTL_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/protect/derived_key.h"
#include "client/protect/message.h"
#include "client/stsctl/args.h"

namespace sts::stsctl {

// --NAME as a duration ("90s", "1h"); `fallback` when absent.
absl::StatusOr<absl::Duration> DurationFlag(const Args& args, const std::string& name,
                                            const std::string& fallback);

// --key-size: 0 when absent, else a key size the STS accepts (128..512 bits,
// whole bytes).
absl::StatusOr<uint32_t> KeySizeFlag(const Args& args);

// --direction: client-to-server (default) or server-to-client.
absl::StatusOr<protect::Direction> DirectionFlag(const Args& args);

// --derivation (hkdf, default; or psha1 with --label and --generation).
absl::StatusOr<protect::DerivationOptions> DerivationFlags(const Args& args);

// --addr, --ca, --cert, --key, --server-name, with the development defaults.
ChannelOptions ChannelFlags(const Args& args);

// --state, else $STSCTL_STATE, else ~/.stsctl/context.
std::string StatePath(const Args& args);

}  // namespace sts::stsctl

#endif  // STS_CLIENT_STSCTL_FLAGS_H_
