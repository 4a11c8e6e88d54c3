#include <openssl/err.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>

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

namespace {

// Bumped in every forked child; a buffer filled under another value was
// inherited from the parent (whose copy the parent may still hand out).
std::atomic<uint64_t> fork_generation{0};

void OnForkInChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

bool RegisterForkHandler() {
  return pthread_atfork(nullptr, nullptr, &OnForkInChild) == 0;
}

struct PublicBuffer {
  static constexpr size_t kSize = 4096;
  std::array<uint8_t, kSize> bytes;
  size_t used = kSize;  // empty until first filled
  uint64_t generation = 0;
};

}  // namespace

absl::Status RandomPublicFill(absl::Span<uint8_t> out) {
  // An empty span may have no storage at all: memcpy to its null data()
  // would be undefined behaviour, even for zero bytes.
  if (out.empty()) return absl::OkStatus();
  static const bool fork_safe = RegisterForkHandler();
  if (!fork_safe || out.size() > 256) return RandomFill(out);
  thread_local PublicBuffer buffer;
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (buffer.generation != generation) {
    buffer.used = PublicBuffer::kSize;
    buffer.generation = generation;
  }
  if (PublicBuffer::kSize - buffer.used < out.size()) {
    if (absl::Status s = RandomFill(absl::MakeSpan(buffer.bytes)); !s.ok()) {
      buffer.used = PublicBuffer::kSize;
      return s;
    }
    buffer.used = 0;
  }
  std::memcpy(out.data(), buffer.bytes.data() + buffer.used, out.size());
  buffer.used += out.size();
  return absl::OkStatus();
}

}  // namespace sts::crypto
