#ifndef STS_KEYRING_INTERN_TABLE_H_
#define STS_KEYRING_INTERN_TABLE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace sts::keyring {

// One shared copy of a string that many tokens refer to (a principal, an
// audience): a million tokens of a hundred principals store a hundred
// strings, and a record holds an 8-byte pointer instead of a string.
struct Interned {
  std::string value;
  // How many holders (records) refer to this entry; guarded by the table.
  uint64_t refs = 0;
  // Live tokens of this principal, for the per-principal quota. Unused for
  // audiences.
  std::atomic<int64_t> live_tokens{0};
};

// Reference-counted string interning; entries disappear with their last
// holder, so client-chosen strings cannot accumulate. Thread safe.
class InternTable {
 public:
  InternTable() = default;
  InternTable(const InternTable&) = delete;
  InternTable& operator=(const InternTable&) = delete;

  // The entry for `value`, with one more reference. Never null.
  Interned* Acquire(absl::string_view value);
  // Drops one reference taken by Acquire; `entry` may be null.
  void Release(Interned* entry);

  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;  // guards `entries` and every entry's `refs`
    absl::flat_hash_map<absl::string_view, std::unique_ptr<Interned>> entries;
  };
  Shard& ShardFor(absl::string_view value);

  std::array<Shard, kShards> shards_;
};

}  // namespace sts::keyring

#endif  // STS_KEYRING_INTERN_TABLE_H_
