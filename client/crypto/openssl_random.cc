#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "client/crypto/random.h"

namespace sts::crypto {

absl::Status RandomFill(absl::Span<uint8_t> out) {
  // RAND_bytes takes an int length; larger buffers are filled in chunks.
  constexpr size_t kMaxChunk = INT_MAX;
  while (!out.empty()) {
    const size_t n = std::min(out.size(), kMaxChunk);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      // A stale entry in the thread's error queue would be misread by the
      // next OpenSSL user on this thread (e.g. gRPC's TLS stack).
      ERR_clear_error();
      return absl::InternalError("CSPRNG failure");
    }
    out.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> RandomSecret(size_t n) {
  SecretBytes out(n);
  absl::Status status = RandomFill(out.mutable_span());
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  absl::Status status = RandomFill(
      absl::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!status.ok()) return status;
  return out;
}

}  // namespace sts::crypto
