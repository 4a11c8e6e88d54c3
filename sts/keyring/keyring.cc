#include "sts/keyring/keyring.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/constant_time.h"
#include "client/wire/fault.h"
#include "sts/keyring/intern_table.h"
#include "sts/keyring/secure_pool.h"

namespace sts::keyring {

using token::KeyCopy;
using token::TokenId;
using token::TokenState;
using token::TokenTimeline;
using token::TokenView;
using wire::Refuse;
using wire::Refusal;

struct Keyring::PendingKey {
  uint8_t key[kMaxKeyBytes];
  uint8_t key_size;
  uint32_t instance;
  int64_t accept_until_us;
};

// Kept compact (152 bytes): a million live tokens must fit in ~200 MB.
struct Keyring::Record {
  // The shard's index holds only Record pointers and finds them by this:
  // a 9-byte slot instead of the 25 of an (identifier, pointer) pair, and
  // the index is never more than 7/8 full, often half.
  std::array<uint8_t, 16> id;  // TokenId::bytes()
  uint8_t key[kMaxKeyBytes];
  uint8_t key_size;      // bytes; kept after the key is zeroized
  bool key_present;
  TokenState state;
  uint8_t pending_count;
  uint32_t instance;
  int64_t created_us;
  int64_t expires_us;
  int64_t key_until_us;
  int64_t forget_after_us;
  int64_t origin_us;  // the first instance's created time
  Interned* principal;
  Interned* applies_to;  // null when none
  PendingKey* pending;   // [max_pending_keys], oldest first; null when none
};

// An element of a shard's index: the record's address, and in the 16 bits
// above it (user-space addresses fit in 48 bits on the platforms we build
// for; Insert checks) the record's due tag: the second, modulo 2^16, of its
// next deadline, never later than that deadline. The sweep reads the tags
// where the index keeps them, side by side, and touches only the records
// whose tag has come; reading every record instead (one cache miss each,
// 152 bytes) was a loaded server's largest own cost with millions of
// contexts. The tag is `mutable`: it is no part of the element's identity
// (hash and equality read the record's identifier), so it may be rewritten
// in place under the shard's exclusive lock.
class Keyring::IndexEntry {
 public:
  static constexpr int kTagShift = 48;
  static constexpr uintptr_t kAddressMask = (uintptr_t{1} << kTagShift) - 1;

  IndexEntry(Record* record, uint16_t tag)
      : bits_(reinterpret_cast<uintptr_t>(record) |
              (static_cast<uintptr_t>(tag) << kTagShift)) {}
  Record* record() const { return reinterpret_cast<Record*>(bits_ & kAddressMask); }
  uint16_t tag() const { return static_cast<uint16_t>(bits_ >> kTagShift); }
  void set_tag(uint16_t tag) const {
    bits_ = (bits_ & kAddressMask) | (static_cast<uintptr_t>(tag) << kTagShift);
  }

 private:
  mutable uintptr_t bits_;
};
static_assert(sizeof(uintptr_t) == 8, "the due tag lives in a 64-bit address's top bits");

// Hash and equality of the shard's index: by the record's identifier, and
// transparent, so lookups take a TokenId without building a Record.
struct Keyring::RecordHash {
  using is_transparent = void;
  size_t operator()(const TokenId& id) const { return absl::Hash<TokenId>()(id); }
  size_t operator()(const IndexEntry& e) const {
    return (*this)(TokenId::FromBytes(e.record()->id));
  }
};
struct Keyring::RecordEq {
  using is_transparent = void;
  static const std::array<uint8_t, 16>& IdOf(const TokenId& id) { return id.bytes(); }
  static const std::array<uint8_t, 16>& IdOf(const IndexEntry& e) { return e.record()->id; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const { return IdOf(a) == IdOf(b); }
};

struct Keyring::Shard {
  explicit Shard(size_t pending_block_bytes) : pending_pool(pending_block_bytes) {}
  // Guards everything below. A pthread rwlock rather than absl::Mutex:
  // Debian's Abseil is built without sanitizer annotations, so ThreadSanitizer
  // could not see absl::Mutex synchronize.
  mutable std::shared_mutex mu;
  absl::flat_hash_set<IndexEntry, RecordHash, RecordEq> records;
  SecurePool<Record> pool;
  SecureSlabPool pending_pool;
};

namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

crypto::SecretBytes CopyKey(const uint8_t* key, size_t size) {
  return crypto::SecretBytes::Copy(absl::MakeConstSpan(key, size));
}

// The second that holds `us` (rounded down, so a tag is never late).
int64_t FloorSecond(int64_t us) {
  int64_t s = us / 1'000'000;
  if (us % 1'000'000 < 0) --s;
  return s;
}

// A due tag is written within kTagReach seconds of the latest sweep's second
// (further deadlines are tagged at that distance, and looked at again then).
// A tag is read as "come" when the sweep's second is at most 2^15 - 1
// seconds past it; tags are never older than the sweep before (a come tag
// is rewritten), and sweeps more than kFullScanGapSeconds apart visit every
// record, so the modular comparison below never wraps.
constexpr int64_t kTagReach = 16383;
static_assert(kTagReach + Keyring::kFullScanGapSeconds < 32768,
              "kFullScanGapSeconds must leave the tags unambiguous");

bool TagHasCome(uint16_t tag, int64_t now_second) {
  const auto behind = static_cast<uint16_t>(static_cast<uint16_t>(now_second) - tag);
  return static_cast<int16_t>(behind) >= 0;
}

}  // namespace

Keyring::Keyring(const Limits& limits)
    : limits_(limits),
      principals_(std::make_unique<InternTable>()),
      audiences_(std::make_unique<InternTable>()) {
  // The memory target (bytes per live context, docs/BENCHMARKS.md) rests on
  // this size: a new field must be paid for elsewhere.
  static_assert(sizeof(Record) <= 152, "Keyring::Record grew past 152 bytes");
  limits_.max_pending_keys =
      std::clamp<uint32_t>(limits_.max_pending_keys, 1, kMaxPendingKeysLimit);
  const size_t pending_block = limits_.max_pending_keys * sizeof(PendingKey);
  shards_.reserve(kShards);
  for (size_t i = 0; i < kShards; ++i) {
    shards_.push_back(std::make_unique<Shard>(pending_block));
  }
}

Keyring::~Keyring() { Clear(); }

Keyring::Shard& Keyring::ShardFor(const TokenId& id) const {
  // Identifiers are random: their last byte spreads them evenly.
  return *shards_[id.bytes()[15] % kShards];
}

absl::Status Keyring::AcquireLiveQuota(Interned* principal) {
  if (principal->live_tokens.fetch_add(1, std::memory_order_relaxed) >=
      static_cast<int64_t>(limits_.max_live_per_principal)) {
    principal->live_tokens.fetch_sub(1, std::memory_order_relaxed);
    return Refuse(Refusal::kQuotaExceeded,
                  absl::StrCat("the principal already holds its maximum of ",
                               limits_.max_live_per_principal,
                               " live security contexts; cancel one or let it expire"));
  }
  if (live_.fetch_add(1, std::memory_order_relaxed) >=
      static_cast<int64_t>(limits_.max_live_tokens)) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    principal->live_tokens.fetch_sub(1, std::memory_order_relaxed);
    return Refuse(Refusal::kQuotaExceeded,
                  absl::StrCat("the STS holds its maximum of ", limits_.max_live_tokens,
                               " live security contexts"));
  }
  return absl::OkStatus();
}

void Keyring::ReleaseLiveQuota(Record* record) {
  record->principal->live_tokens.fetch_sub(1, std::memory_order_relaxed);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

uint16_t Keyring::DueTag(const Record& r) const {
  // The record's next deadline: what Sweep acts on, the earliest first.
  int64_t next_us = r.forget_after_us;
  if (r.state == TokenState::kLive) next_us = std::min(next_us, r.expires_us);
  if (r.key_present) next_us = std::min(next_us, r.key_until_us);
  for (uint8_t i = 0; i < r.pending_count; ++i) {
    next_us = std::min(next_us, r.pending[i].accept_until_us);
  }
  // Before the first sweep no tag is read (that sweep visits every record).
  const int64_t reference = sweep_second_.load(std::memory_order_acquire);
  if (reference == kNoSweep) return 0;
  const int64_t due = std::clamp(FloorSecond(next_us), reference - kTagReach,
                                 reference + kTagReach);
  return static_cast<uint16_t>(due);  // modulo 2^16
}

absl::Status Keyring::Insert(const TokenId& id, absl::string_view principal,
                             absl::string_view applies_to, uint32_t instance,
                             absl::Span<const uint8_t> key,
                             const TokenTimeline& timeline) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return Refuse(Refusal::kInternal, "key size outside what the keyring stores");
  }
  Interned* owner = principals_->Acquire(principal);
  if (absl::Status quota = AcquireLiveQuota(owner); !quota.ok()) {
    principals_->Release(owner);
    return quota;
  }
  Interned* audience = applies_to.empty() ? nullptr : audiences_->Acquire(applies_to);

  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  Record* record = shard.pool.New();
  record->id = id.bytes();
  std::memcpy(record->key, key.data(), key.size());
  record->key_size = static_cast<uint8_t>(key.size());
  record->key_present = true;
  record->state = TokenState::kLive;
  record->instance = instance;
  record->created_us = Micros(timeline.created);
  record->expires_us = Micros(timeline.expires);
  record->key_until_us = Micros(timeline.key_until);
  record->forget_after_us = Micros(timeline.forget_after);
  record->origin_us = record->created_us;
  record->principal = owner;
  record->applies_to = audience;
  if ((reinterpret_cast<uintptr_t>(record) & ~IndexEntry::kAddressMask) != 0) {
    // An address above 2^48 would lose bits to the due tag: never seen on
    // the 48-bit (x86-64, AArch64) address spaces Linux hands out by default.
    std::fprintf(stderr, "keyring: a record address does not fit in 48 bits\n");
    std::abort();
  }
  // One lookup: the insert itself finds a collision (122 random bits
  // collided), treated as a failure, never an overwrite.
  if (!shard.records.insert(IndexEntry(record, DueTag(*record))).second) {
    shard.pool.Delete(record);  // zeroizes the slot, key included
    owner->live_tokens.fetch_sub(1, std::memory_order_relaxed);
    live_.fetch_sub(1, std::memory_order_relaxed);
    principals_->Release(owner);
    audiences_->Release(audience);
    return Refuse(Refusal::kInternal, "identifier collision; retry");
  }
  return absl::OkStatus();
}

std::optional<TokenView> Keyring::Find(const TokenId& id, absl::Time now,
                                       bool with_keys) const {
  const int64_t now_us = Micros(now);
  Shard& shard = ShardFor(id);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.records.find(id);
  if (it == shard.records.end()) return std::nullopt;
  const Record* r = it->record();
  TokenView view;
  view.state = r->state;
  if (view.state == TokenState::kLive && now_us >= r->expires_us) {
    view.state = TokenState::kExpired;
  }
  view.instance = r->instance;
  view.created = FromMicros(r->created_us);
  view.expires = FromMicros(r->expires_us);
  view.origin = FromMicros(r->origin_us);
  view.principal = r->principal->value;
  if (r->applies_to != nullptr) view.applies_to = r->applies_to->value;
  view.key_bits = r->key_size * 8u;
  if (with_keys) {
    if (r->key_present && now_us < r->key_until_us) {
      view.keys.push_back(KeyCopy{r->instance, view.expires, CopyKey(r->key, r->key_size)});
    }
    for (int i = r->pending_count - 1; i >= 0; --i) {
      const PendingKey& p = r->pending[i];
      if (now_us < p.accept_until_us) {
        view.keys.push_back(
            KeyCopy{p.instance, FromMicros(p.accept_until_us), CopyKey(p.key, p.key_size)});
      }
    }
  }
  return view;
}

absl::StatusOr<uint32_t> Keyring::Rotate(const TokenId& id, absl::Time now,
                                         absl::Span<const uint8_t> new_key,
                                         const TokenTimeline& timeline,
                                         absl::Time pending_until, bool allow_expired) {
  if (new_key.empty() || new_key.size() > kMaxKeyBytes) {
    return Refuse(Refusal::kInternal, "key size outside what the keyring stores");
  }
  const int64_t now_us = Micros(now);
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.records.find(id);
  if (it == shard.records.end()) {
    return Refuse(Refusal::kUnknownContext, "no such security context");
  }
  Record* r = it->record();
  if (r->state == TokenState::kCancelled) return token::RefuseNotLive(r->state);
  const bool expired = r->state == TokenState::kExpired || now_us >= r->expires_us;
  if (expired) {
    if (!allow_expired || !r->key_present) return token::RefuseNotLive(TokenState::kExpired);
    if (r->state == TokenState::kExpired) {  // swept: back under the quotas
      if (absl::Status quota = AcquireLiveQuota(r->principal); !quota.ok()) return quota;
      retained_.fetch_sub(1, std::memory_order_relaxed);
      r->state = TokenState::kLive;
    }
  }

  const int64_t old_accept_until = std::min(Micros(pending_until), r->expires_us);
  if (!expired && r->key_present && old_accept_until > now_us) {
    if (r->pending == nullptr) {
      r->pending = static_cast<PendingKey*>(shard.pending_pool.Allocate());
      r->pending_count = 0;
    }
    if (r->pending_count == limits_.max_pending_keys) {  // drop the oldest
      std::memmove(&r->pending[0], &r->pending[1],
                   sizeof(PendingKey) * (r->pending_count - 1));
      --r->pending_count;
      crypto::SecureZero(&r->pending[r->pending_count], sizeof(PendingKey));
    }
    PendingKey& slot = r->pending[r->pending_count++];
    std::memcpy(slot.key, r->key, r->key_size);
    slot.key_size = r->key_size;
    slot.instance = r->instance;
    slot.accept_until_us = old_accept_until;
  }
  crypto::SecureZero(r->key, sizeof(r->key));
  std::memcpy(r->key, new_key.data(), new_key.size());
  r->key_size = static_cast<uint8_t>(new_key.size());
  r->key_present = true;
  r->instance += 1;
  r->created_us = Micros(timeline.created);
  r->expires_us = Micros(timeline.expires);
  r->key_until_us = Micros(timeline.key_until);
  r->forget_after_us = Micros(timeline.forget_after);
  it->set_tag(DueTag(*r));  // the superseded key's deadline may come first
  return r->instance;
}

void Keyring::DropKeys(Shard& shard, Record* r) {
  crypto::SecureZero(r->key, sizeof(r->key));
  r->key_present = false;
  if (r->pending != nullptr) {
    shard.pending_pool.Release(r->pending);  // zeroizes the block
    r->pending = nullptr;
    r->pending_count = 0;
  }
}

void Keyring::Erase(Shard& shard, const TokenId& id, Record* r) {
  shard.records.erase(id);
  FreeRecord(shard, r);
}

void Keyring::FreeRecord(Shard& shard, Record* r) {
  if (r->state == TokenState::kLive) {
    ReleaseLiveQuota(r);
  } else {
    retained_.fetch_sub(1, std::memory_order_relaxed);
  }
  DropKeys(shard, r);
  principals_->Release(r->principal);
  audiences_->Release(r->applies_to);
  shard.pool.Delete(r);
}

bool Keyring::Retire(Shard& shard, const TokenId& id, Record* r, TokenState state,
                     absl::Time forget_after) {
  if (r->state == TokenState::kLive) {
    if (retained_.load(std::memory_order_relaxed) >=
        static_cast<int64_t>(limits_.max_retained_tokens)) {
      Erase(shard, id, r);
      return false;
    }
    ReleaseLiveQuota(r);
    retained_.fetch_add(1, std::memory_order_relaxed);
  }
  r->state = state;
  r->forget_after_us = Micros(forget_after);
  return true;
}

absl::StatusOr<Keyring::CancelOutcome> Keyring::Cancel(const TokenId& id,
                                                       absl::Time now,
                                                       absl::Time forget_after) {
  Shard& shard = ShardFor(id);
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.records.find(id);
  if (it == shard.records.end()) {
    return Refuse(Refusal::kUnknownContext, "no such security context");
  }
  Record* r = it->record();
  if (r->state == TokenState::kCancelled) return CancelOutcome::kAlreadyCancelled;
  DropKeys(shard, r);
  if (Retire(shard, id, r, TokenState::kCancelled, forget_after)) it->set_tag(DueTag(*r));
  return CancelOutcome::kCancelled;
}

Keyring::SweepStats Keyring::Sweep(absl::Time now) {
  const int64_t now_second = FloorSecond(Micros(now));
  const int64_t last = sweep_second_.load(std::memory_order_acquire);
  const bool every_record =
      last == kNoSweep || std::abs(now_second - last) > kFullScanGapSeconds;
  return SweepShards(now, every_record);
}

Keyring::SweepStats Keyring::SweepEveryRecord(absl::Time now) { return SweepShards(now, true); }

Keyring::SweepStats Keyring::SweepShards(absl::Time now, bool every_record) {
  const int64_t now_us = Micros(now);
  const int64_t now_second = FloorSecond(now_us);
  // Published before any shard is scanned: a tag written under a shard's
  // lock after this reads the new second, and one written before is
  // rewritten by the scan of its shard, which waits for that lock.
  sweep_second_.store(now_second, std::memory_order_release);
  SweepStats stats;
  for (size_t s = 0; s < kShards; ++s) {
    Shard& shard = *shards_[s];
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    for (auto it = shard.records.begin(); it != shard.records.end();) {
      const IndexEntry& entry = *it;
      ++it;  // erasing the record below leaves `it` valid
      if (!every_record && !TagHasCome(entry.tag(), now_second)) continue;
      Record* r = entry.record();
      const TokenId id = TokenId::FromBytes(r->id);
      if (r->pending != nullptr) {
        uint8_t kept = 0;
        for (uint8_t i = 0; i < r->pending_count; ++i) {
          if (r->pending[i].accept_until_us > now_us) {
            if (kept != i) std::memcpy(&r->pending[kept], &r->pending[i], sizeof(PendingKey));
            ++kept;
          } else {
            ++stats.keys_zeroized;
          }
        }
        for (uint8_t i = kept; i < r->pending_count; ++i) {
          crypto::SecureZero(&r->pending[i], sizeof(PendingKey));
        }
        r->pending_count = kept;
        if (kept == 0) {
          shard.pending_pool.Release(r->pending);
          r->pending = nullptr;
        }
      }
      if (r->state == TokenState::kLive && now_us >= r->expires_us) {
        ++stats.expired;
        if (!Retire(shard, id, r, TokenState::kExpired, FromMicros(r->forget_after_us))) {
          ++stats.forgotten;
          continue;
        }
      }
      if (r->key_present && now_us >= r->key_until_us) {
        crypto::SecureZero(r->key, sizeof(r->key));
        r->key_present = false;
        ++stats.keys_zeroized;
      }
      if (now_us >= r->forget_after_us) {
        Erase(shard, id, r);
        ++stats.forgotten;
        continue;
      }
      entry.set_tag(DueTag(*r));
    }
  }
  return stats;
}

uint64_t Keyring::Clear() {
  uint64_t erased = 0;
  for (size_t s = 0; s < kShards; ++s) {
    Shard& shard = *shards_[s];
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    // One pass, then the index dropped whole: erasing the first record over
    // and over made begin() walk the slots already emptied, a quadratic
    // shutdown (seconds at a million contexts).
    for (const IndexEntry& entry : shard.records) FreeRecord(shard, entry.record());
    erased += shard.records.size();
    shard.records.clear();
  }
  return erased;
}

Keyring::Stats Keyring::stats() const {
  Stats stats;
  stats.live = static_cast<uint64_t>(live_.load(std::memory_order_relaxed));
  stats.retained = static_cast<uint64_t>(retained_.load(std::memory_order_relaxed));
  for (size_t s = 0; s < kShards; ++s) {
    const Shard& shard = *shards_[s];
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    stats.records += shard.records.size();
    stats.key_slots += shard.pool.in_use() + shard.pending_pool.slots_in_use();
    stats.pool_bytes += shard.pool.bytes_mapped() + shard.pending_pool.bytes_mapped();
    stats.locked_bytes += shard.pool.bytes_locked() + shard.pending_pool.bytes_locked();
    stats.unlocked_bytes += shard.pool.bytes_unlocked() + shard.pending_pool.bytes_unlocked();
  }
  return stats;
}

}  // namespace sts::keyring
