#include "sts/keyring/secure_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "absl/base/internal/raw_logging.h"
#include "client/crypto/constant_time.h"

namespace sts::keyring {
namespace {

constexpr size_t kTargetChunkBytes = 256 * 1024;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

SecureSlabPool::SecureSlabPool(size_t slot_size)
    : slot_size_(RoundUp(slot_size, alignof(std::max_align_t))),
      // At least one slot per chunk, whatever the slot's size.
      chunk_bytes_(RoundUp(std::max(kTargetChunkBytes, slot_size_),
                           static_cast<size_t>(sysconf(_SC_PAGESIZE)))) {}

SecureSlabPool::~SecureSlabPool() {
  for (void* chunk : chunks_) {
    crypto::SecureZero(chunk, chunk_bytes_);
    munmap(chunk, chunk_bytes_);  // also unlocks it
  }
}

void SecureSlabPool::AddChunk() {
  void* chunk = mmap(nullptr, chunk_bytes_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (chunk == MAP_FAILED) {
    ABSL_RAW_LOG(FATAL, "keyring: mmap of %zu bytes failed", chunk_bytes_);
  }
  // Best effort: a kernel without MADV_DONTDUMP still gets zeroization.
  madvise(chunk, chunk_bytes_, MADV_DONTDUMP);
  // Locked, so keys are never written to swap; past RLIMIT_MEMLOCK the
  // chunk stays unlocked, and the shortfall is counted and said once.
  if (mlock(chunk, chunk_bytes_) == 0) {
    locked_bytes_ += chunk_bytes_;
  } else {
    unlocked_bytes_ += chunk_bytes_;
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
      ABSL_RAW_LOG(WARNING,
                   "keyring: cannot mlock key memory (RLIMIT_MEMLOCK); keys beyond the limit "
                   "may reach swap: raise the limit or run without swap");
    }
  }
  chunks_.push_back(chunk);
  // Thread the new slots onto the free list, lowest address first.
  char* base = static_cast<char*>(chunk);
  const size_t slots = chunk_bytes_ / slot_size_;
  for (size_t i = slots; i-- > 0;) {
    void* slot = base + i * slot_size_;
    *static_cast<void**>(slot) = free_list_;
    free_list_ = slot;
  }
}

void* SecureSlabPool::Allocate() {
  if (free_list_ == nullptr) AddChunk();
  void* slot = free_list_;
  free_list_ = *static_cast<void**>(slot);
  *static_cast<void**>(slot) = nullptr;  // the rest of the slot is zero already
  ++in_use_;
  return slot;
}

void SecureSlabPool::Release(void* slot) {
  crypto::SecureZero(slot, slot_size_);
  *static_cast<void**>(slot) = free_list_;
  free_list_ = slot;
  --in_use_;
}

}  // namespace sts::keyring
