// Message protection (client/protect) as a service pays for it: BM_Protect_Sign
// and BM_Protect_Seal build a whole sts.v1.ProtectedMessage (header,
// canonical encoding, tag); BM_Protect_Verify and BM_Protect_Open run every
// receiver check (shape, time window, key resolution, tag, replay window).
// report.py sets each against the raw backend primitive on the same payload
// (BM_Raw_HmacSha256_*, BM_Raw_Aes256Gcm_* in primitive_benchmark.cc, in the
// same build: OpenSSL 3, or BoringSSL under --config=boringssl).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "client/clock.h"
#include "client/crypto/random.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"

namespace sts::protect {
// (In sts::protect for brevity; these are benchmarks, not library code.)
namespace {

using sts::v1::ProtectedMessage;

constexpr char kAd[] = "/example.v1.Inventory/Reserve";

std::shared_ptr<const InstanceKeys> Keys() {
  static const auto* keys = [] {
    auto info = std::make_shared<ContextInfo>();
    info->identifier = "urn:uuid:11111111-2222-4333-8444-555555555555";
    return new std::shared_ptr<const InstanceKeys>(
        *InstanceKeys::Create(std::move(info), "1", *crypto::RandomSecret(32)));
  }();
  return *keys;
}

class OneKey : public KeyResolver {
 public:
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    return Keys();
  }
};

FakeClock* TheClock() {
  static auto* clock = new FakeClock(absl::Now());
  return clock;
}

ProtectedMessage Make(bool seal, const std::string& payload, uint64_t sequence) {
  ProtectedMessage m;
  FillHeader(*Keys(), {}, seal ? ProtectedMessage::PROTECTION_SEAL
                               : ProtectedMessage::PROTECTION_SIGN,
             Direction::kClientToServer, sequence, TheClock()->Now(), &m);
  m.set_payload(payload);
  if (seal) {
    (void)SealInPlace(*Keys(), &m, kAd);
  } else {
    (void)SignInPlace(*Keys(), &m, kAd);
  }
  return m;
}

void BM_Protect_Sign(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  uint64_t sequence = 0;
  for (auto _ : state) {
    ProtectedMessage m = Make(false, payload, ++sequence);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_Protect_Seal(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  uint64_t sequence = 0;
  for (auto _ : state) {
    ProtectedMessage m = Make(true, payload, ++sequence);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

// Receiving needs fresh sequence numbers (a replay is refused), so messages
// are made in batches outside the timed region and a new receiver takes each
// batch.
void Receive(benchmark::State& state, bool seal) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  const size_t batch = std::max<size_t>(64, (32u << 20) / (payload.size() + 256));
  OneKey resolver;
  std::unique_ptr<Receiver> receiver;
  std::vector<ProtectedMessage> messages;
  size_t next = batch;
  std::string plaintext;
  int64_t failures = 0;
  for (auto _ : state) {
    if (next == batch) {
      state.PauseTiming();
      messages.clear();
      for (size_t i = 0; i < batch; ++i) messages.push_back(Make(seal, payload, i + 1));
      receiver = std::make_unique<Receiver>(&resolver, TheClock());
      next = 0;
      state.ResumeTiming();
    }
    const ProtectedMessage& m = messages[next++];
    auto who = seal ? receiver->Open(m, kAd, Direction::kClientToServer, &plaintext)
                    : receiver->Verify(m, kAd, Direction::kClientToServer);
    if (!who.ok()) ++failures;
    benchmark::DoNotOptimize(who);
  }
  if (failures != 0) state.SkipWithError("a message was refused");
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_Protect_Verify(benchmark::State& state) { Receive(state, false); }
void BM_Protect_Open(benchmark::State& state) { Receive(state, true); }

#define MESSAGE_SIZES Arg(64)->Arg(1 << 10)->Arg(16 << 10)
BENCHMARK(BM_Protect_Sign)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Verify)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Seal)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Open)->MESSAGE_SIZES;
#undef MESSAGE_SIZES

}  // namespace
}  // namespace sts::protect
