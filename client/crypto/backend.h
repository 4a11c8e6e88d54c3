// Which crypto library the module is built on: OpenSSL 3 by default,
// BoringSSL under --config=boringssl (see README.md). For diagnostics, and
// for the test that proves a build configuration really selected the
// backend it names rather than silently falling back to the other.
//
// Contract: both strings are static, owned by the library, valid for the
// life of the process; safe to call from any thread.
#ifndef STS_CLIENT_CRYPTO_BACKEND_H_
#define STS_CLIENT_CRYPTO_BACKEND_H_

#include "absl/strings/string_view.h"

namespace sts::crypto {

struct BackendVersion {
  // The headers compiled against (OPENSSL_VERSION_TEXT), e.g.
  // "OpenSSL 3.0.11 19 Sep 2023" or "OpenSSL 1.1.1 (compatible; BoringSSL)".
  absl::string_view headers;
  // What the library loaded at run time reports of itself
  // (OpenSSL_version(OPENSSL_VERSION)), e.g. "OpenSSL 3.0.11 19 Sep 2023"
  // or "BoringSSL".
  absl::string_view library;
};

BackendVersion Backend();

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_BACKEND_H_
