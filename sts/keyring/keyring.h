#ifndef STS_KEYRING_KEYRING_H_
#define STS_KEYRING_KEYRING_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/wire/limits.h"
#include "sts/token/token.h"
#include "sts/token/token_id.h"

namespace sts::keyring {

class InternTable;
struct Interned;

// The largest key a record holds, and the most superseded keys a record can
// keep (tokens.max_pending_keys is validated against it).
inline constexpr size_t kMaxKeyBytes = wire::kMaxKeyBits / 8;
inline constexpr uint32_t kMaxPendingKeysLimit = 8;

// The STS's in-memory store of security contexts and their keys.
//
// Thread safe and sharded: each operation locks one of 64 shards (lookups
// share it), so there is no global lock on the Issue/Validate path. Keys live
// in SecurePool slots (never moved, never in core dumps, zeroized when
// dropped) and leave only as crypto::SecretBytes copies.
//
// Quotas: live tokens per principal and in total (RESOURCE_EXHAUSTED with
// wst:RequestFailed past them). Cancelled and expired records are kept, keys
// zeroized, until their forget_after time so that later calls get a precise
// answer ("cancelled", "expired") rather than "unknown"; at most
// max_retained_tokens of them, beyond which they are erased at once.
class Keyring {
 public:
  struct Limits {
    uint64_t max_live_tokens = 1'000'000;
    uint32_t max_live_per_principal = 128;
    uint64_t max_retained_tokens = 250'000;
    uint32_t max_pending_keys = 5;  // 1..kMaxPendingKeysLimit
  };

  explicit Keyring(const Limits& limits);
  ~Keyring();  // zeroizes every key
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Stores a new live token. Refuses past a quota, or a key of more than
  // kMaxKeyBytes.
  absl::Status Insert(const token::TokenId& id, absl::string_view principal,
                      absl::string_view applies_to, uint32_t instance,
                      absl::Span<const uint8_t> key, const token::TokenTimeline& timeline);

  // A copy of the record, with its keys when `with_keys`; nullopt when none is
  // stored. The state reflects `now` even before the sweeper has run.
  std::optional<token::TokenView> Find(const token::TokenId& id, absl::Time now,
                                bool with_keys) const;

  // Renewal: the current key becomes a superseded one, accepted until
  // min(pending_until, old expiry) (at most max_pending_keys are kept, oldest
  // zeroized first); `new_key` becomes current under the next instance with
  // `timeline`. A token expired at `now` is renewed only if `allow_expired`
  // and its key is still retained, and then counts against the quotas
  // again. Returns the new instance.
  absl::StatusOr<uint32_t> Rotate(const token::TokenId& id, absl::Time now,
                                  absl::Span<const uint8_t> new_key,
                                  const token::TokenTimeline& timeline,
                                  absl::Time pending_until, bool allow_expired);

  enum class CancelOutcome { kCancelled, kAlreadyCancelled };
  // Zeroizes every key of the token and marks it cancelled; it is retained
  // (as such) until `forget_after`. Unknown -> wsc:BadContextToken.
  absl::StatusOr<CancelOutcome> Cancel(const token::TokenId& id, absl::Time now,
                                       absl::Time forget_after);

  struct SweepStats {
    uint64_t expired = 0;        // live -> expired
    uint64_t keys_zeroized = 0;  // current or superseded keys dropped
    uint64_t forgotten = 0;      // records erased
  };
  // Applies every timeline at `now`. Locks one shard at a time, so lookups
  // wait at most one shard's scan. Visits only the records that have a
  // deadline due: the shard's index tags each record with the second of its
  // next deadline, so the scan reads the index, not the records (at 2 * 10^6
  // live contexts, reading every record cost ~10 % of a loaded server's
  // core). The first sweep, and one kFullScanGapSeconds or more from the last
  // (a stalled sweeper, a stepped clock), visits every record instead.
  SweepStats Sweep(absl::Time now);
  // What the first sweep does: every record visited, whatever its tag. Same
  // results as Sweep; for the tests that hold the two equal.
  SweepStats SweepEveryRecord(absl::Time now);
  static constexpr int64_t kFullScanGapSeconds = 4096;

  // Erases everything, zeroizing every key (shutdown). Returns how many
  // records were erased.
  uint64_t Clear();

  struct Stats {
    uint64_t live = 0;
    uint64_t retained = 0;
    uint64_t records = 0;
    // Slots of the secure pools that hold a record or superseded keys; 0
    // means no key byte is left in the keyring's memory.
    uint64_t key_slots = 0;
    uint64_t pool_bytes = 0;
    // Of pool_bytes, those locked in memory (out of swap) and those the
    // process's RLIMIT_MEMLOCK left unlocked.
    uint64_t locked_bytes = 0;
    uint64_t unlocked_bytes = 0;
  };
  Stats stats() const;

 private:
  struct PendingKey;
  struct Record;
  class IndexEntry;
  struct RecordHash;
  struct RecordEq;
  struct Shard;
  static constexpr size_t kShards = 64;

  Shard& ShardFor(const token::TokenId& id) const;
  // Leaving the live state: quota bookkeeping.
  void ReleaseLiveQuota(Record* record);
  // Zeroizes the current and superseded keys.
  // The callers below hold `shard.mu` exclusively.
  void DropKeys(Shard& shard, Record* record);
  // Moves a live record to expired/cancelled: erases it at once when the
  // retained budget is spent. Returns false if the record was erased.
  bool Retire(Shard& shard, const token::TokenId& id, Record* record, token::TokenState state,
              absl::Time forget_after);
  void Erase(Shard& shard, const token::TokenId& id, Record* record);
  // Erase without the index: quotas, keys and names released, the slot
  // zeroized and freed. The caller removes `record` from the index.
  void FreeRecord(Shard& shard, Record* record);
  absl::Status AcquireLiveQuota(Interned* principal);
  SweepStats SweepShards(absl::Time now, bool every_record);
  // The due tag of `record` as it stands. The caller holds its shard's lock.
  uint16_t DueTag(const Record& record) const;

  Limits limits_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<InternTable> principals_;
  std::unique_ptr<InternTable> audiences_;
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> retained_{0};
  // The second of the latest sweep, which due tags are written relative to;
  // kNoSweep before the first.
  static constexpr int64_t kNoSweep = INT64_MIN;
  std::atomic<int64_t> sweep_second_{kNoSweep};
};

}  // namespace sts::keyring

#endif  // STS_KEYRING_KEYRING_H_
