#ifndef STS_CLIENT_FILES_H_
#define STS_CLIENT_FILES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "client/crypto/secret_bytes.h"

namespace sts {

// Reads a whole (non-secret) file: PEM certificates, configuration, state.
// NotFound with the path when it cannot be read; InvalidArgument when it is
// larger than `max_bytes`, so a wrong path (a device, a huge log) fails fast.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     size_t max_bytes = 16 * 1024 * 1024);

// Reads a whole secret file (a master keyset) straight into wiped storage:
// one read into a buffer sized from the file, no intermediate copy left in
// freed memory. Errors as ReadFile; never any of the file's bytes in them.
absl::StatusOr<crypto::SecretBytes> ReadSecretFile(const std::string& path,
                                                   size_t max_bytes = 1024 * 1024);

}  // namespace sts

#endif  // STS_CLIENT_FILES_H_
