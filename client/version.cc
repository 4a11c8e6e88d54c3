#include "client/version.h"

namespace sts {

const char* ClientVersion() { return STS_CLIENT_VERSION; }

}  // namespace sts
