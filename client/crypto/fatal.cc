#include "client/crypto/fatal.h"

#include <cstdio>
#include <cstdlib>

namespace sts::crypto::internal {

void FatalBackendError(const char* what) {
  std::fprintf(stderr, "sts::crypto: fatal backend failure in %s\n", what);
  std::abort();
}

}  // namespace sts::crypto::internal
