// The keyring (sts/keyring) beside its raw baseline: the same records in the
// plainest structure that could hold them (64 shards of a reader-writer lock
// and an absl::flat_hash_map of heap records, no interning, no quotas, no
// secure slabs, lookups that copy nothing but the key). The ratio says what
// the keyring's guarantees cost per operation. Insert, Find (with keys, as
// Validate does) and Expire run at 1 and 2 threads on one shared keyring;
// SweepScan is what the sweeper pays per live record every sweep_interval.
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "sts/keyring/keyring.h"
#include "sts/token/token_id.h"

namespace sts::bench {
namespace {

using keyring::Keyring;
using token::TokenId;
using token::TokenTimeline;

// Identifiers: random-looking 16 bytes from a counter (the keyring shards on
// identifier bytes, which the CSPRNG makes uniform; so does this mix).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
TokenId IdOf(uint64_t n) {
  std::array<uint8_t, 16> bytes;
  const uint64_t a = Mix(n), b = Mix(n ^ 0x5555555555555555ull);
  std::memcpy(bytes.data(), &a, 8);
  std::memcpy(bytes.data() + 8, &b, 8);
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // variant 10
  return TokenId::FromBytes(bytes);
}

// A few dozen principals and audiences, as a real deployment would have.
constexpr int kPrincipals = 40;
const std::string& Principal(uint64_t n) {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (int i = 0; i < kPrincipals; ++i) {
      v->push_back(absl::StrCat("spiffe://prod.example.org/ns/team-", i % 8, "/sa/service-", i));
    }
    return v;
  }();
  return (*names)[n % kPrincipals];
}
const std::string& Audience(uint64_t n) {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (int i = 0; i < kPrincipals; ++i) {
      v->push_back(absl::StrCat("spiffe://prod.example.org/ns/api-", i % 5, "/sa/backend-", i));
    }
    return v;
  }();
  return (*names)[(n * 7) % kPrincipals];
}

const std::array<uint8_t, 32> kKey = [] {
  std::array<uint8_t, 32> k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 13 + 1);
  return k;
}();

Keyring::Limits BigLimits() {
  Keyring::Limits limits;
  limits.max_live_tokens = 1ull << 40;
  limits.max_live_per_principal = 1u << 31;
  limits.max_retained_tokens = 1ull << 40;
  return limits;
}

TokenTimeline LiveTimeline(absl::Time now) {
  TokenTimeline t;
  t.created = now;
  t.expires = now + absl::Hours(1);
  t.key_until = t.expires;
  t.forget_after = t.expires + absl::Minutes(10);
  return t;
}

// Already expired and past retention: the next sweep erases it.
TokenTimeline DeadTimeline(absl::Time now) {
  TokenTimeline t;
  t.created = now - absl::Hours(2);
  t.expires = now - absl::Hours(1);
  t.key_until = t.expires;
  t.forget_after = t.expires;
  return t;
}

// ------------------------------------------------------------ raw baseline

class ShardedMap {
 public:
  struct Record {
    uint8_t key[64];
    uint8_t key_size;
    uint32_t instance;
    int64_t created_us, expires_us, key_until_us, forget_after_us;
    const std::string* principal;
    const std::string* applies_to;
  };
  struct View {
    std::array<uint8_t, 64> key;
    uint8_t key_size;
    int64_t expires_us;
    const std::string* principal;
  };

  void Insert(const TokenId& id, const std::string& principal, const std::string& applies_to,
              const TokenTimeline& t) {
    auto* r = new Record();
    std::memcpy(r->key, kKey.data(), kKey.size());
    r->key_size = kKey.size();
    r->instance = 1;
    r->created_us = absl::ToUnixMicros(t.created);
    r->expires_us = absl::ToUnixMicros(t.expires);
    r->key_until_us = absl::ToUnixMicros(t.key_until);
    r->forget_after_us = absl::ToUnixMicros(t.forget_after);
    r->principal = &principal;
    r->applies_to = &applies_to;
    Shard& s = ShardFor(id);
    std::unique_lock<std::shared_mutex> lock(s.mu);
    s.records.emplace(id, r);
  }

  bool Find(const TokenId& id, View* view) const {
    const Shard& s = ShardFor(id);
    std::shared_lock<std::shared_mutex> lock(s.mu);
    auto it = s.records.find(id);
    if (it == s.records.end()) return false;
    const Record* r = it->second;
    std::memcpy(view->key.data(), r->key, r->key_size);
    view->key_size = r->key_size;
    view->expires_us = r->expires_us;
    view->principal = r->principal;
    return true;
  }

  // Erases what is past forget_after, wiping each record first.
  size_t Sweep(absl::Time now) {
    const int64_t now_us = absl::ToUnixMicros(now);
    size_t erased = 0;
    for (Shard& s : shards_) {
      std::unique_lock<std::shared_mutex> lock(s.mu);
      for (auto it = s.records.begin(); it != s.records.end();) {
        Record* r = it->second;
        if (now_us >= r->forget_after_us) {
          std::memset(r, 0, sizeof(Record));
          delete r;
          s.records.erase(it++);
          ++erased;
        } else {
          ++it;
        }
      }
    }
    return erased;
  }

  ~ShardedMap() {
    for (Shard& s : shards_) {
      for (auto& [id, r] : s.records) delete r;
    }
  }

 private:
  struct Shard {
    mutable std::shared_mutex mu;
    absl::flat_hash_map<TokenId, Record*> records;
  };
  Shard& ShardFor(const TokenId& id) { return shards_[id.bytes()[15] % shards_.size()]; }
  const Shard& ShardFor(const TokenId& id) const {
    return shards_[id.bytes()[15] % shards_.size()];
  }
  std::array<Shard, 64> shards_;
};

// ------------------------------------------------------------ insert

// Each run inserts into a fresh store shared by its threads; every thread
// makes its own identifiers.
template <class Store>
Store*& SharedStore() {
  static Store* store = nullptr;
  return store;
}

void BM_Keyring_Insert(benchmark::State& state) {
  if (state.thread_index() == 0) SharedStore<Keyring>() = new Keyring(BigLimits());
  const TokenTimeline timeline = LiveTimeline(absl::Now());
  uint64_t n = static_cast<uint64_t>(state.thread_index()) << 40;
  int64_t refused = 0;
  for (auto _ : state) {
    Keyring* ring = SharedStore<Keyring>();
    if (!ring->Insert(IdOf(n), Principal(n), Audience(n), 1, kKey, timeline).ok()) ++refused;
    ++n;
  }
  if (refused != 0) state.SkipWithError("an insert was refused");
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete SharedStore<Keyring>();
    SharedStore<Keyring>() = nullptr;
  }
}

void BM_Raw_ShardedMap_Insert(benchmark::State& state) {
  if (state.thread_index() == 0) SharedStore<ShardedMap>() = new ShardedMap();
  const TokenTimeline timeline = LiveTimeline(absl::Now());
  uint64_t n = static_cast<uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    SharedStore<ShardedMap>()->Insert(IdOf(n), Principal(n), Audience(n), timeline);
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete SharedStore<ShardedMap>();
    SharedStore<ShardedMap>() = nullptr;
  }
}

// ------------------------------------------------------------ find

constexpr uint64_t kFindTokens = 100'000;

const Keyring& FilledKeyring() {
  static const Keyring* ring = [] {
    auto* r = new Keyring(BigLimits());
    const TokenTimeline timeline = LiveTimeline(absl::Now());
    for (uint64_t n = 0; n < kFindTokens; ++n) {
      (void)r->Insert(IdOf(n), Principal(n), Audience(n), 1, kKey, timeline);
    }
    return r;
  }();
  return *ring;
}

const ShardedMap& FilledMap() {
  static const ShardedMap* map = [] {
    auto* m = new ShardedMap();
    const TokenTimeline timeline = LiveTimeline(absl::Now());
    for (uint64_t n = 0; n < kFindTokens; ++n) {
      m->Insert(IdOf(n), Principal(n), Audience(n), timeline);
    }
    return m;
  }();
  return *map;
}

std::vector<TokenId> LookupOrder(int thread) {
  std::vector<TokenId> ids;
  ids.reserve(kFindTokens);
  for (uint64_t i = 0; i < kFindTokens; ++i) {
    ids.push_back(IdOf(Mix(i + static_cast<uint64_t>(thread) * 7919) % kFindTokens));
  }
  return ids;
}

void BM_Keyring_Find(benchmark::State& state) {
  const Keyring& ring = FilledKeyring();
  const std::vector<TokenId> ids = LookupOrder(state.thread_index());
  const absl::Time now = absl::Now();
  size_t i = 0;
  int64_t missing = 0;
  for (auto _ : state) {
    std::optional<token::TokenView> view = ring.Find(ids[i], now, /*with_keys=*/true);
    if (!view.has_value() || view->keys.empty()) ++missing;
    benchmark::DoNotOptimize(view);
    if (++i == ids.size()) i = 0;
  }
  if (missing != 0) state.SkipWithError("a token was not found");
  state.SetItemsProcessed(state.iterations());
}

void BM_Raw_ShardedMap_Find(benchmark::State& state) {
  const ShardedMap& map = FilledMap();
  const std::vector<TokenId> ids = LookupOrder(state.thread_index());
  size_t i = 0;
  int64_t missing = 0;
  for (auto _ : state) {
    ShardedMap::View view;
    if (!map.Find(ids[i], &view)) ++missing;
    benchmark::DoNotOptimize(view);
    if (++i == ids.size()) i = 0;
  }
  if (missing != 0) state.SkipWithError("a token was not found");
  state.SetItemsProcessed(state.iterations());
}

// ------------------------------------------------------------ expire

// Per iteration each thread inserts a batch of tokens already past their
// expiry and retention (not timed), then sweeps (timed): the cost of
// zeroizing and erasing one expired token. With 2 threads both sweep the
// shared store at once.
constexpr int kExpireBatch = 2048;

void BM_Keyring_Expire(benchmark::State& state) {
  if (state.thread_index() == 0) SharedStore<Keyring>() = new Keyring(BigLimits());
  const absl::Time now = absl::Now();
  const TokenTimeline dead = DeadTimeline(now);
  uint64_t n = static_cast<uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    state.PauseTiming();
    Keyring* ring = SharedStore<Keyring>();
    for (int i = 0; i < kExpireBatch; ++i, ++n) {
      (void)ring->Insert(IdOf(n), Principal(n), Audience(n), 1, kKey, dead);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(ring->Sweep(now));
  }
  state.SetItemsProcessed(state.iterations() * kExpireBatch);
  if (state.thread_index() == 0) {
    delete SharedStore<Keyring>();
    SharedStore<Keyring>() = nullptr;
  }
}

void BM_Raw_ShardedMap_Expire(benchmark::State& state) {
  if (state.thread_index() == 0) SharedStore<ShardedMap>() = new ShardedMap();
  const absl::Time now = absl::Now();
  const TokenTimeline dead = DeadTimeline(now);
  uint64_t n = static_cast<uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    state.PauseTiming();
    ShardedMap* map = SharedStore<ShardedMap>();
    for (int i = 0; i < kExpireBatch; ++i, ++n) {
      map->Insert(IdOf(n), Principal(n), Audience(n), dead);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(map->Sweep(now));
  }
  state.SetItemsProcessed(state.iterations() * kExpireBatch);
  if (state.thread_index() == 0) {
    delete SharedStore<ShardedMap>();
    SharedStore<ShardedMap>() = nullptr;
  }
}

// ------------------------------------------------------------ sweep scan

// A sweep that finds nothing due still reads every record's due tag in its
// shard's index, under the shard's exclusive lock: the sweeper's standing
// cost per live token. (The raw map below has no tags: it visits every
// record, as the keyring did before them.)
void BM_Keyring_SweepScan(benchmark::State& state) {
  Keyring ring(BigLimits());
  const absl::Time now = absl::Now();
  const TokenTimeline timeline = LiveTimeline(now);
  const uint64_t tokens = static_cast<uint64_t>(state.range(0));
  for (uint64_t n = 0; n < tokens; ++n) {
    (void)ring.Insert(IdOf(n), Principal(n), Audience(n), 1, kKey, timeline);
  }
  (void)ring.Sweep(now);  // the first sweep visits every record and writes the tags
  for (auto _ : state) benchmark::DoNotOptimize(ring.Sweep(now));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tokens));
}

void BM_Raw_ShardedMap_SweepScan(benchmark::State& state) {
  ShardedMap map;
  const absl::Time now = absl::Now();
  const TokenTimeline timeline = LiveTimeline(now);
  const uint64_t tokens = static_cast<uint64_t>(state.range(0));
  for (uint64_t n = 0; n < tokens; ++n) map.Insert(IdOf(n), Principal(n), Audience(n), timeline);
  for (auto _ : state) benchmark::DoNotOptimize(map.Sweep(now));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tokens));
}

// ------------------------------------------------------------ shutdown

// Keyring::Clear, what a server's shutdown does: every record erased and its
// key zeroized. Per record, so a cost that grows faster than the records
// shows as a rising time per item between the two sizes.
void BM_Keyring_Clear(benchmark::State& state) {
  const TokenTimeline timeline = LiveTimeline(absl::Now());
  const uint64_t tokens = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto ring = std::make_unique<Keyring>(BigLimits());
    for (uint64_t n = 0; n < tokens; ++n) {
      (void)ring->Insert(IdOf(n), Principal(n), Audience(n), 1, kKey, timeline);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(ring->Clear());
    state.PauseTiming();
    ring.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tokens));
}

BENCHMARK(BM_Keyring_Insert)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Raw_ShardedMap_Insert)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Keyring_Find)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Raw_ShardedMap_Find)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Keyring_Expire)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Raw_ShardedMap_Expire)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Keyring_SweepScan)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Raw_ShardedMap_SweepScan)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Keyring_Clear)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sts::bench
