#include <openssl/err.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>

#include "client/crypto/constant_time.h"
#include "client/crypto/locked_page.h"
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
  absl::Status status = RandomSecretFill(out.mutable_span());
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

// A per-thread buffer of CSPRNG output, handed out front to back.
// `generation` is the fork generation it was filled under.
struct Buffer {
  absl::Span<uint8_t> bytes;
  size_t used;  // bytes.size() when empty
  uint64_t generation = 0;
};

// The next out.size() bytes of `buffer`, refilled from the CSPRNG when too
// few are left. With `wipe`, every byte is zeroed in the buffer as it is
// handed out, and so is the unused rest before a refill or when the buffer
// turns out to be inherited: a secret leaves the buffer exactly once.
absl::Status DrawBuffered(Buffer& buffer, absl::Span<uint8_t> out, bool wipe) {
  const size_t size = buffer.bytes.size();
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (buffer.generation != generation) {
    if (wipe) SecureZero(buffer.bytes.data(), size);
    buffer.used = size;
    buffer.generation = generation;
  }
  if (size - buffer.used < out.size()) {
    if (wipe) SecureZero(buffer.bytes.data() + buffer.used, size - buffer.used);
    buffer.used = size;
    if (absl::Status s = RandomFill(buffer.bytes); !s.ok()) {
      // Whatever the generator wrote before failing is not handed out.
      if (wipe) SecureZero(buffer.bytes.data(), size);
      return s;
    }
    buffer.used = 0;
  }
  uint8_t* next = buffer.bytes.data() + buffer.used;
  std::memcpy(out.data(), next, out.size());
  if (wipe) SecureZero(next, out.size());
  buffer.used += out.size();
  return absl::OkStatus();
}

struct PublicBuffer {
  std::array<uint8_t, 4096> storage;
  Buffer buffer{absl::MakeSpan(storage), storage.size()};
};

// 1 KiB: 32 keys of 256 bits per generator call. The page holds more, but
// fewer pending keys is the better trade once the generator's cost is split.
constexpr size_t kSecretBufferSize = 1024;
static_assert(kSecretBufferSize <= LockedPage::kSize, "the buffer lives in one page");

struct SecretBuffer {
  LockedPage page;
  Buffer buffer{absl::Span<uint8_t>(page.data(), page.data() == nullptr ? 0 : kSecretBufferSize),
                page.data() == nullptr ? 0 : kSecretBufferSize};
};

}  // namespace

absl::Status RandomPublicFill(absl::Span<uint8_t> out) {
  // An empty span may have no storage at all: memcpy to its null data()
  // would be undefined behaviour, even for zero bytes.
  if (out.empty()) return absl::OkStatus();
  static const bool fork_safe = RegisterForkHandler();
  if (!fork_safe || out.size() > 256) return RandomFill(out);
  thread_local PublicBuffer buffer;
  return DrawBuffered(buffer.buffer, out, /*wipe=*/false);
}

absl::Status RandomSecretFill(absl::Span<uint8_t> out) {
  if (out.empty()) return absl::OkStatus();
  static const bool fork_safe = RegisterForkHandler();
  if (!fork_safe || out.size() > 64) return RandomFill(out);
  thread_local SecretBuffer buffer;
  // No page (mmap refused): every draw goes to the generator itself.
  if (buffer.buffer.bytes.empty()) return RandomFill(out);
  return DrawBuffered(buffer.buffer, out, /*wipe=*/true);
}

}  // namespace sts::crypto
