// Proves which library the crypto module was built and linked against, so
// --config=boringssl cannot silently fall back to OpenSSL 3 (nor the default
// build pick up BoringSSL's headers). BUILD.bazel defines
// STS_EXPECT_BORINGSSL to 1 under --config=boringssl, 0 otherwise.
#include "client/crypto/backend.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

#ifndef STS_EXPECT_BORINGSSL
#error "BUILD.bazel must define STS_EXPECT_BORINGSSL"
#endif

namespace sts::crypto {
namespace {

TEST(BackendTest, HeadersAndLoadedLibraryAreTheSelectedBackend) {
  const BackendVersion backend = Backend();
  if (STS_EXPECT_BORINGSSL) {
    EXPECT_TRUE(absl::StrContains(backend.headers, "BoringSSL")) << backend.headers;
    EXPECT_EQ(backend.library, "BoringSSL");
  } else {
    EXPECT_TRUE(absl::StartsWith(backend.headers, "OpenSSL 3.")) << backend.headers;
    EXPECT_TRUE(absl::StartsWith(backend.library, "OpenSSL 3.")) << backend.library;
    EXPECT_FALSE(absl::StrContains(backend.library, "BoringSSL")) << backend.library;
  }
}

}  // namespace
}  // namespace sts::crypto
