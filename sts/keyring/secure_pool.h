#ifndef STS_KEYRING_SECURE_POOL_H_
#define STS_KEYRING_SECURE_POOL_H_

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace sts::keyring {

// Fixed-size slots for records that hold key bytes. Why not the heap:
//  - slots never move, so a key is never left behind by a container's
//    reallocation where nobody can zeroize it;
//  - the memory comes from mmap and is marked MADV_DONTDUMP, so keys stay out
//    of core dumps, and is mlock()ed (up to RLIMIT_MEMLOCK), so they stay
//    out of swap;
//  - a released slot is zeroized before it can be reused.
// Memory is kept for reuse, never returned to the OS before destruction, which
// zeroizes and unmaps everything. Not thread safe: the owner serializes calls.
class SecureSlabPool {
 public:
  explicit SecureSlabPool(size_t slot_size);
  ~SecureSlabPool();
  SecureSlabPool(const SecureSlabPool&) = delete;
  SecureSlabPool& operator=(const SecureSlabPool&) = delete;

  // Zero-filled storage for one slot; aborts if the OS refuses memory (the
  // keyring's quotas bound how much is ever asked for).
  void* Allocate();
  // Zeroizes the slot and keeps it for reuse.
  void Release(void* slot);

  size_t slots_in_use() const { return in_use_; }
  size_t bytes_mapped() const { return chunks_.size() * chunk_bytes_; }
  // Of those, how many are locked in memory, and how many could not be.
  size_t bytes_locked() const { return locked_bytes_; }
  size_t bytes_unlocked() const { return unlocked_bytes_; }

 private:
  void AddChunk();

  size_t slot_size_;
  size_t chunk_bytes_;
  std::vector<void*> chunks_;
  void* free_list_ = nullptr;
  size_t in_use_ = 0;
  size_t locked_bytes_ = 0;
  size_t unlocked_bytes_ = 0;
};

// Typed front end of SecureSlabPool for trivially destructible records.
template <class T>
class SecurePool {
  static_assert(std::is_trivially_destructible<T>::value,
                "records are zeroized, not destroyed");

 public:
  SecurePool() : slab_(sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T)) {}

  T* New() { return new (slab_.Allocate()) T(); }
  void Delete(T* record) { slab_.Release(record); }
  size_t in_use() const { return slab_.slots_in_use(); }
  size_t bytes_mapped() const { return slab_.bytes_mapped(); }
  size_t bytes_locked() const { return slab_.bytes_locked(); }
  size_t bytes_unlocked() const { return slab_.bytes_unlocked(); }

 private:
  SecureSlabPool slab_;
};

}  // namespace sts::keyring

#endif  // STS_KEYRING_SECURE_POOL_H_
