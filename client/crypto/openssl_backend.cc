// On the API both backends share: OPENSSL_VERSION_TEXT and OpenSSL_version.
#include <openssl/crypto.h>

#include "client/crypto/backend.h"

namespace sts::crypto {

BackendVersion Backend() {
  return {OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION)};
}

}  // namespace sts::crypto
