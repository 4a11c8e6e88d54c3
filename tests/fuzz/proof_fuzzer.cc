// Proof of possession (client/wire/proof.h, sts/pop/proof_verifier.h): a
// Renew or Cancel request from the wire, its request digest and its proof
// checked by ProofVerifier::Verify as TokenService calls it, against the
// fixed context's keys, with a fresh replay cache on a fake clock.
//
// Input: flags (1 byte), then the serialized sts.v1.RenewRequest (or
// CancelRequest).
//   flags bit 0  a CancelRequest (else a RenewRequest)
//   bit 1        re-MAC: before verification, the harness recomputes the
//                proof's MAC under the key of the instance the proof names,
//                keeping everything else as given, so mutated requests get
//                past the MAC to the checks behind it (replay)
//   bit 2        the context was renewed: instance 2 is current (the
//                second fixed key), instance 1 is inside its rollover window
//   bit 3        a per-principal rate limit of one call
//
// Checks: refusals carry a fault and no key; an accepted proof's MAC matches
// under the key of its instance, and the same request is refused the second
// time (the replay cache; or the rate limit when bit 3 is set).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "client/crypto/hmac.h"
#include "client/wire/fault.h"
#include "client/wire/proof.h"
#include "sts/pop/proof_verifier.h"
#include "sts/pop/rate_limiter.h"
#include "sts/replay/in_memory_replay_cache.h"
#include "sts/token/token.h"
#include "sts/v1/sts.pb.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/harness/in_process_sts.h"

namespace sts::fuzz {
namespace {

// The fixed key of a proof's instance: "2" is the second one, anything else
// the first.
crypto::SecretBytes KeyOfInstance(absl::string_view instance) {
  return FixedKey(instance == "2" ? FixedKeyKind::kRefreshed : FixedKeyKind::kResolved);
}

void RequireNoKey(absl::string_view text) {
  RequireNoSecret(text, FixedKey(FixedKeyKind::kResolved));
  RequireNoSecret(text, FixedKey(FixedKeyKind::kRefreshed));
}

void RequireClean(const absl::Status& status) {
  RequireFault(status);
  RequireNoKey(status.message());
}

void ReMac(const wire::ProofSubject& subject, const wire::Digest& digest,
           sts::v1::ProofOfPossession* proof) {
  absl::StatusOr<crypto::SecretBytes> proof_key =
      wire::DeriveProofKey(KeyOfInstance(proof->instance()));
  Require(proof_key.ok(), "a proof key derives from a 32-byte key", proof_key.status());
  const wire::ProofSubject keyed{subject.method, subject.identifier, proof->instance()};
  const std::string input = wire::CanonicalProofInput(keyed, *proof, digest);
  const crypto::HmacSha256Tag mac = crypto::HmacSha256(
      proof_key->span(),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(input.data()), input.size()));
  proof->set_mac(reinterpret_cast<const char*>(mac.data()), mac.size());
}

template <class Request>
void Check(uint8_t flags, Request request, absl::string_view method,
           const sts::v1::SecurityContextToken& target) {
  const absl::Time now = FixedNow();
  std::vector<token::KeyCopy> keys;
  if (flags & 4) {
    keys.push_back({2, now + absl::Hours(1), FixedKey(FixedKeyKind::kRefreshed)});
    keys.push_back({1, now + absl::Minutes(5), FixedKey(FixedKeyKind::kResolved)});
  } else {
    keys.push_back({1, now + absl::Hours(1), FixedKey(FixedKeyKind::kResolved)});
  }
  replay::InMemoryReplayCache replay(replay::InMemoryReplayCache::Limits{1000, 100});
  pop::PrincipalRateLimiter rate({/*per_second=*/1, /*burst=*/1, /*max_principals=*/16});
  pop::ProofVerifier verifier(absl::Minutes(5), &replay, flags & 8 ? &rate : nullptr);

  // As TokenService::Renew / Cancel: the MAC covers the identifier as sent.
  const wire::ProofSubject subject{method, target.identifier(), ""};
  const wire::Digest digest = wire::RequestDigest(request);
  if (flags & 2) ReMac(subject, digest, request.mutable_proof());

  const absl::Status verified =
      verifier.Verify(sts::testing::kInProcessClient, subject, request.proof(),
                      request.has_proof(), digest, keys, now);
  RequireClean(verified);
  Trace("verify", verified);
  if (!verified.ok()) return;
  const wire::ProofSubject keyed{method, target.identifier(), request.proof().instance()};
  Require(wire::ProofMacMatches(keyed, KeyOfInstance(request.proof().instance()), request.proof(),
                                digest),
          "an accepted proof's MAC matches under its instance's key");
  uint32_t instance = 0;
  Require(absl::SimpleAtoi(request.proof().instance(), &instance) &&
              (instance == 1 || (instance == 2 && (flags & 4))),
          "an accepted proof names a usable instance");
  const absl::Status again =
      verifier.Verify(sts::testing::kInProcessClient, subject, request.proof(),
                      request.has_proof(), digest, keys, now);
  Require(!again.ok(), "a proof is accepted once");
  RequireClean(again);
  if (!(flags & 8)) {
    Require(wire::FaultNameOf(again) == "wst:FailedAuthentication",
            "a replayed proof is wst:FailedAuthentication", again);
  }
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  absl::Cleanup check_log = [] { RequireNoKey(TakeProtobufLog()); };
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const std::string bytes(in.Rest());
  if (flags & 1) {
    sts::v1::CancelRequest request;
    if (!request.ParseFromString(bytes)) return 0;
    const sts::v1::SecurityContextToken target = request.cancel_target();
    Check(flags, std::move(request), wire::kCancelMethod, target);
  } else {
    sts::v1::RenewRequest request;
    if (!request.ParseFromString(bytes)) return 0;
    const sts::v1::SecurityContextToken target = request.renew_target();
    Check(flags, std::move(request), wire::kRenewMethod, target);
  }
  return 0;
}
