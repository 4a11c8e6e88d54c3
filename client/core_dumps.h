#ifndef STS_CLIENT_CORE_DUMPS_H_
#define STS_CLIENT_CORE_DUMPS_H_

#include "absl/status/status.h"

namespace sts {

// Keeps this process's memory, and so its keys, out of core dumps and away
// from debuggers of the same user: the core size limit becomes 0 and the
// process non-dumpable (PR_SET_DUMPABLE 0, which also refuses ptrace attach
// to anyone but root). For processes that hold keys: sts_server, sts_keyset,
// stsctl. What it cannot do: keep keys out of swap (run without swap, or
// with encrypted swap) or away from root.
absl::Status DisableCoreDumps();

}  // namespace sts

#endif  // STS_CLIENT_CORE_DUMPS_H_
