// The crypto module (client/crypto) beside the backend alone
// (client/crypto/testing:benchmark_baselines), and the per-message asymmetric
// signatures that security context keys replace.
//
// Names are what tests/bench/report.py looks up:
//   BM_Raw_*      the backend called directly, one reused context (the ceiling)
//   BM_Module_*   the project's crypto module on the same input
//   BM_Rsa2048_*, BM_EcdsaP256_*   per-message signatures over SHA-256
// Message sizes 64 B, 1 KiB, 16 KiB; raw primitives take no associated data
// (the primitive on the message alone).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"
#include "client/crypto/aead.h"
#include "client/crypto/hmac.h"
#include "client/crypto/kdf.h"
#include "client/crypto/testing/benchmark_baselines.h"

namespace sts::bench {
namespace {

namespace baseline = crypto::baseline;

const std::vector<uint8_t>& Key() {
  static const auto* key = [] {
    auto* k = new std::vector<uint8_t>(32);
    for (size_t i = 0; i < k->size(); ++i) (*k)[i] = static_cast<uint8_t>(0x40 + i);
    return k;
  }();
  return *key;
}

std::vector<uint8_t> Message(benchmark::State& state) {
  return std::vector<uint8_t>(static_cast<size_t>(state.range(0)), 0x5a);
}

void Bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}

const std::vector<uint8_t> kNonce(crypto::AesGcmKey::kNonceSize, 0x01);

// ------------------------------------------------------------ HMAC-SHA256

void BM_Raw_HmacSha256_Sign(benchmark::State& state) {
  baseline::RawHmacSha256 mac(Key());
  const std::vector<uint8_t> data = Message(state);
  uint8_t tag[32];
  for (auto _ : state) {
    mac.Sign(data, tag);
    benchmark::DoNotOptimize(tag);
  }
  Bytes(state);
}

void BM_Raw_HmacSha256_Verify(benchmark::State& state) {
  baseline::RawHmacSha256 mac(Key());
  const std::vector<uint8_t> data = Message(state);
  uint8_t tag[32];
  mac.Sign(data, tag);
  int64_t bad = 0;
  for (auto _ : state) {
    if (!mac.Verify(data, tag)) ++bad;
  }
  if (bad != 0) state.SkipWithError("verify failed");
  Bytes(state);
}

void BM_Module_HmacSha256Key_Sign(benchmark::State& state) {
  const crypto::HmacSha256Key key = *crypto::HmacSha256Key::Create(Key());
  const std::vector<uint8_t> data = Message(state);
  for (auto _ : state) {
    crypto::HmacSha256Tag tag = key.Sign(data);
    benchmark::DoNotOptimize(tag);
  }
  Bytes(state);
}

void BM_Module_HmacSha256Key_Verify(benchmark::State& state) {
  const crypto::HmacSha256Key key = *crypto::HmacSha256Key::Create(Key());
  const std::vector<uint8_t> data = Message(state);
  const crypto::HmacSha256Tag tag = key.Sign(data);
  int64_t bad = 0;
  for (auto _ : state) {
    if (!key.Verify(data, tag)) ++bad;
  }
  if (bad != 0) state.SkipWithError("verify failed");
  Bytes(state);
}

// ------------------------------------------------------------ AES-256-GCM

void BM_Raw_Aes256Gcm_Seal(benchmark::State& state) {
  baseline::RawAes256Gcm aead(Key());
  const std::vector<uint8_t> data = Message(state);
  std::vector<uint8_t> out(data.size() + 16);
  for (auto _ : state) {
    aead.Seal(kNonce, data, {}, absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  Bytes(state);
}

void BM_Raw_Aes256Gcm_Open(benchmark::State& state) {
  baseline::RawAes256Gcm aead(Key());
  const std::vector<uint8_t> data = Message(state);
  std::vector<uint8_t> sealed(data.size() + 16);
  aead.Seal(kNonce, data, {}, absl::MakeSpan(sealed));
  std::vector<uint8_t> out(data.size());
  int64_t bad = 0;
  for (auto _ : state) {
    if (!aead.Open(kNonce, sealed, {}, absl::MakeSpan(out))) ++bad;
    benchmark::DoNotOptimize(out.data());
  }
  if (bad != 0) state.SkipWithError("open failed");
  Bytes(state);
}

void BM_Module_AesGcmKey_SealInto(benchmark::State& state) {
  const crypto::AesGcmKey key = *crypto::AesGcmKey::Create(Key());
  const std::vector<uint8_t> data = Message(state);
  std::vector<uint8_t> out(data.size() + crypto::AesGcmKey::kTagSize);
  for (auto _ : state) {
    absl::Status s = key.SealInto(kNonce, data, {}, absl::MakeSpan(out));
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out.data());
  }
  Bytes(state);
}

void BM_Module_AesGcmKey_OpenInto(benchmark::State& state) {
  const crypto::AesGcmKey key = *crypto::AesGcmKey::Create(Key());
  const std::vector<uint8_t> data = Message(state);
  std::vector<uint8_t> sealed(data.size() + crypto::AesGcmKey::kTagSize);
  (void)key.SealInto(kNonce, data, {}, absl::MakeSpan(sealed));
  std::vector<uint8_t> out(data.size());
  int64_t bad = 0;
  for (auto _ : state) {
    if (!key.OpenInto(kNonce, sealed, {}, absl::MakeSpan(out)).ok()) ++bad;
    benchmark::DoNotOptimize(out.data());
  }
  if (bad != 0) state.SkipWithError("open failed");
  Bytes(state);
}

// ------------------------------------------------------------ derivations

// A WS-SecureConversation derived key: P_SHA1(SCT key, label || 16-byte
// nonce), 32 bytes; and this project's HKDF-SHA256 equivalent.
const std::vector<uint8_t>& PSha1Seed() {
  static const auto* seed = [] {
    const absl::string_view label = "WS-SecureConversationWS-SecureConversation";
    auto* s = new std::vector<uint8_t>(label.begin(), label.end());
    for (int i = 0; i < 16; ++i) s->push_back(static_cast<uint8_t>(0xa0 + i));
    return s;
  }();
  return *seed;
}
const std::vector<uint8_t> kSalt(32, 0x33);
constexpr absl::string_view kInfo = "sts.v1 message key";

void BM_Raw_PSha1(benchmark::State& state) {
  std::vector<uint8_t> out(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    baseline::RawPSha1(Key(), PSha1Seed(), absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Module_PSha1(benchmark::State& state) {
  const size_t length = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<crypto::SecretBytes> key = crypto::PSha1(Key(), PSha1Seed(), 0, length);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Raw_HkdfSha256(benchmark::State& state) {
  std::vector<uint8_t> out(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    baseline::RawHkdfSha256(Key(), kSalt, kInfo, absl::MakeSpan(out));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Module_HkdfSha256(benchmark::State& state) {
  const size_t length = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<crypto::SecretBytes> key = crypto::HkdfSha256(Key(), kSalt, kInfo, length);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}

// ------------------------------------------------------------ asymmetric

void Sign(benchmark::State& state, baseline::AsymmetricSigner::Algorithm algorithm) {
  baseline::AsymmetricSigner signer(algorithm);
  const std::vector<uint8_t> data = Message(state);
  for (auto _ : state) {
    std::string signature = signer.Sign(data);
    benchmark::DoNotOptimize(signature);
  }
  Bytes(state);
}

void Verify(benchmark::State& state, baseline::AsymmetricSigner::Algorithm algorithm) {
  baseline::AsymmetricSigner signer(algorithm);
  const std::vector<uint8_t> data = Message(state);
  const std::string signature = signer.Sign(data);
  int64_t bad = 0;
  for (auto _ : state) {
    if (!signer.Verify(data, signature)) ++bad;
  }
  if (bad != 0) state.SkipWithError("verify failed");
  Bytes(state);
}

void BM_Rsa2048_Sign(benchmark::State& state) {
  Sign(state, baseline::AsymmetricSigner::Algorithm::kRsa2048);
}
void BM_Rsa2048_Verify(benchmark::State& state) {
  Verify(state, baseline::AsymmetricSigner::Algorithm::kRsa2048);
}
void BM_EcdsaP256_Sign(benchmark::State& state) {
  Sign(state, baseline::AsymmetricSigner::Algorithm::kEcdsaP256);
}
void BM_EcdsaP256_Verify(benchmark::State& state) {
  Verify(state, baseline::AsymmetricSigner::Algorithm::kEcdsaP256);
}

#define MESSAGE_SIZES Arg(64)->Arg(1 << 10)->Arg(16 << 10)

BENCHMARK(BM_Raw_HmacSha256_Sign)->MESSAGE_SIZES;
BENCHMARK(BM_Module_HmacSha256Key_Sign)->MESSAGE_SIZES;
BENCHMARK(BM_Raw_HmacSha256_Verify)->MESSAGE_SIZES;
BENCHMARK(BM_Module_HmacSha256Key_Verify)->MESSAGE_SIZES;
BENCHMARK(BM_Raw_Aes256Gcm_Seal)->MESSAGE_SIZES;
BENCHMARK(BM_Module_AesGcmKey_SealInto)->MESSAGE_SIZES;
BENCHMARK(BM_Raw_Aes256Gcm_Open)->MESSAGE_SIZES;
BENCHMARK(BM_Module_AesGcmKey_OpenInto)->MESSAGE_SIZES;
BENCHMARK(BM_Raw_PSha1)->Arg(32);
BENCHMARK(BM_Module_PSha1)->Arg(32);
BENCHMARK(BM_Raw_HkdfSha256)->Arg(32);
BENCHMARK(BM_Module_HkdfSha256)->Arg(32);
BENCHMARK(BM_Rsa2048_Sign)->MESSAGE_SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Rsa2048_Verify)->MESSAGE_SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256_Sign)->MESSAGE_SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EcdsaP256_Verify)->MESSAGE_SIZES->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sts::bench
