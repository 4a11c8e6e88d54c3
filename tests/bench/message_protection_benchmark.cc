// Message protection (client/protect) as a service pays for it: BM_Protect_Sign
// and BM_Protect_Seal build a whole sts.v1.ProtectedMessage (header,
// canonical encoding, tag); BM_Protect_Verify and BM_Protect_Open run every
// receiver check (shape, time window, key resolution, tag, replay window).
// BM_ProtectView_* do the same through the view API (message_view.h), as a
// transport that carries the header fields itself does (the gRPC call
// protection): no protobuf is built or parsed.
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
#include "client/protect/message_view.h"
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
// are made in small batches outside the timed region, with sequence numbers
// that keep rising for the one receiver. Small, so that a message is in cache
// when it is checked, as one just read from a socket is (a batch of 10^5
// cold messages measured main memory, not the receiver).
class Arrivals {
 public:
  Arrivals(benchmark::State& state, bool seal)
      : state_(state), seal_(seal), payload_(static_cast<size_t>(state.range(0)), 'p') {}

  const ProtectedMessage& Next() {
    if (next_ == messages_.size()) Refill();
    return messages_[next_++];
  }

  // The same message as a view into it, as a transport holding the fields
  // would pass it (made with the batch, outside the timed region).
  const MessageView& NextView() {
    if (next_ == messages_.size()) Refill();
    return views_[next_++];
  }

 private:
  void Refill() {
    state_.PauseTiming();
    messages_.clear();
    views_.clear();
    for (size_t i = 0; i < kBatch; ++i) messages_.push_back(Make(seal_, payload_, ++sequence_));
    // Views only once the vector no longer moves its messages.
    for (const ProtectedMessage& m : messages_) views_.push_back(*ViewOf(m));
    next_ = 0;
    state_.ResumeTiming();
  }

  static constexpr size_t kBatch = 256;
  benchmark::State& state_;
  const bool seal_;
  const std::string payload_;
  std::vector<ProtectedMessage> messages_;
  std::vector<MessageView> views_;
  size_t next_ = 0;
  uint64_t sequence_ = 0;
};

void Receive(benchmark::State& state, bool seal) {
  OneKey resolver;
  const Receiver receiver(&resolver, TheClock());
  Arrivals arrivals(state, seal);
  std::string plaintext;
  int64_t failures = 0;
  for (auto _ : state) {
    const ProtectedMessage& m = arrivals.Next();
    auto who = seal ? receiver.Open(m, kAd, Direction::kClientToServer, &plaintext)
                    : receiver.Verify(m, kAd, Direction::kClientToServer);
    if (!who.ok()) ++failures;
    benchmark::DoNotOptimize(who);
  }
  if (failures != 0) state.SkipWithError("a message was refused");
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_Protect_Verify(benchmark::State& state) { Receive(state, false); }
void BM_Protect_Open(benchmark::State& state) { Receive(state, true); }

// A sender with its own buffer: the header is a view into the keys, the
// payload is sealed where it lies (each iteration re-seals the previous
// ciphertext, which costs the same).
void BM_ProtectView_Sign(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  const InstanceKeys& keys = *Keys();
  uint64_t sequence = 0;
  for (auto _ : state) {
    MessageView view = HeaderView(keys, ProtectedMessage::PROTECTION_SIGN,
                                  Direction::kClientToServer, ++sequence, TheClock()->Now());
    view.payload = payload;
    crypto::HmacSha256Tag tag = SignView(keys, view, kAd);
    benchmark::DoNotOptimize(tag);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_ProtectView_Seal(benchmark::State& state) {
  std::string payload(static_cast<size_t>(state.range(0)), 'p');
  const auto text = absl::MakeSpan(reinterpret_cast<uint8_t*>(payload.data()), payload.size());
  const InstanceKeys& keys = *Keys();
  uint64_t sequence = 0;
  int64_t failures = 0;
  AeadNonce nonce;
  AeadTag tag;
  for (auto _ : state) {
    const MessageView view = HeaderView(keys, ProtectedMessage::PROTECTION_SEAL,
                                        Direction::kClientToServer, ++sequence,
                                        TheClock()->Now());
    if (!SealView(keys, view, kAd, text, nonce, tag).ok()) ++failures;
    benchmark::DoNotOptimize(tag);
  }
  if (failures != 0) state.SkipWithError("a seal failed");
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

// The receiving side of a view: messages arrive as bytes the transport owns
// (here: Arrivals' messages), the view points into them, and
// Open decrypts into the receiver's buffer.
void ReceiveView(benchmark::State& state, bool seal) {
  OneKey resolver;
  const Receiver receiver(&resolver, TheClock());
  Arrivals arrivals(state, seal);
  std::string plaintext(static_cast<size_t>(state.range(0)), '\0');
  const auto out =
      absl::MakeSpan(reinterpret_cast<uint8_t*>(plaintext.data()), plaintext.size());
  int64_t failures = 0;
  for (auto _ : state) {
    const MessageView& view = arrivals.NextView();
    auto who = seal ? receiver.Open(view, kAd, Direction::kClientToServer, out)
                    : receiver.Verify(view, kAd, Direction::kClientToServer);
    if (!who.ok()) ++failures;
    benchmark::DoNotOptimize(who);
  }
  if (failures != 0) state.SkipWithError("a message was refused");
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

void BM_ProtectView_Verify(benchmark::State& state) { ReceiveView(state, false); }
void BM_ProtectView_Open(benchmark::State& state) { ReceiveView(state, true); }

#define MESSAGE_SIZES Arg(64)->Arg(1 << 10)->Arg(16 << 10)
BENCHMARK(BM_Protect_Sign)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Verify)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Seal)->MESSAGE_SIZES;
BENCHMARK(BM_Protect_Open)->MESSAGE_SIZES;
BENCHMARK(BM_ProtectView_Sign)->MESSAGE_SIZES;
BENCHMARK(BM_ProtectView_Verify)->MESSAGE_SIZES;
BENCHMARK(BM_ProtectView_Seal)->MESSAGE_SIZES;
BENCHMARK(BM_ProtectView_Open)->MESSAGE_SIZES;
#undef MESSAGE_SIZES

}  // namespace
}  // namespace sts::protect
