// Prepared-key vs one-shot costs of the hot-path primitives.
//   bazel run -c opt //client/crypto:crypto_benchmark
#include <cstdint>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "client/crypto/aead.h"
#include "client/crypto/hmac.h"

namespace sts::crypto {
namespace {

const std::vector<uint8_t>& Key() {
  static const auto* key = new std::vector<uint8_t>(32, 0x42);
  return *key;
}

void BM_HmacSha256Key_Sign(benchmark::State& state) {
  const HmacSha256Key key = *HmacSha256Key::Create(Key());
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    HmacSha256Tag tag = key.Sign(data);
    benchmark::DoNotOptimize(tag);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_HmacSha256_OneShot(benchmark::State& state) {
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    HmacSha256Tag tag = HmacSha256(Key(), data);
    benchmark::DoNotOptimize(tag);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_AesGcmKey_Seal(benchmark::State& state) {
  const AesGcmKey key = *AesGcmKey::Create(Key());
  const std::vector<uint8_t> nonce(AesGcmKey::kNonceSize, 0x01);
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0x5a);
  const std::vector<uint8_t> aad(16, 0x07);
  for (auto _ : state) {
    absl::StatusOr<std::string> sealed = key.Seal(nonce, data, aad);
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_AesGcmKey_SealInto(benchmark::State& state) {
  const AesGcmKey key = *AesGcmKey::Create(Key());
  const std::vector<uint8_t> nonce(AesGcmKey::kNonceSize, 0x01);
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0x5a);
  const std::vector<uint8_t> aad(16, 0x07);
  std::vector<uint8_t> out(data.size() + AesGcmKey::kTagSize);
  for (auto _ : state) {
    absl::Status status = key.SealInto(nonce, data, aad, absl::MakeSpan(out));
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_HmacSha256Key_Sign)->Arg(64)->Arg(1 << 10)->Arg(16 << 10);
BENCHMARK(BM_HmacSha256_OneShot)->Arg(64)->Arg(1 << 10)->Arg(16 << 10);
BENCHMARK(BM_AesGcmKey_Seal)->Arg(64)->Arg(1 << 10)->Arg(16 << 10);
BENCHMARK(BM_AesGcmKey_SealInto)->Arg(64)->Arg(1 << 10)->Arg(16 << 10);

}  // namespace
}  // namespace sts::crypto
