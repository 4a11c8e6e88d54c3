// What a relying party's Verifier may be told (VerifierOptions) and what it
// counts (VerifierStats); verifier.h says what they mean for its cache.
#ifndef STS_CLIENT_VERIFIER_OPTIONS_H_
#define STS_CLIENT_VERIFIER_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "client/clock.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"

namespace sts::verifier {

struct VerifierOptions {
  const Clock* clock = Clock::Real();
  size_t max_contexts = 10'000;
  absl::Duration revalidate_after = absl::Minutes(1);
  absl::Duration negative_ttl = absl::Seconds(10);
  absl::Duration min_refresh_interval = absl::Seconds(1);
  // When set, contexts issued for another audience are refused even if the
  // STS released their keys to us.
  std::string expected_audience;
  // Accept contexts whose keys the STS released to us as their owner rather
  // than their audience (ValidateResponse.keys_released_to). Off by default:
  // a service of the owner that accepted messages under the owner's own
  // context would accept what the audience, which holds the same key, forged.
  // An STS too old to say why it released keys is trusted only with
  // expected_audience set.
  bool accept_owner_keys = false;
  // Timestamp and replay windows, the receiver binding and P_SHA1 opt-in
  // for incoming messages.
  protect::ReceiverOptions receiver;
  // How the keys of our answers are derived.
  protect::DerivationOptions derivation;
};

struct VerifierStats {
  uint64_t validations = 0;    // Validate calls made
  uint64_t hits = 0;           // messages resolved from the cache
  uint64_t negative_hits = 0;  // messages refused from the negative cache
  uint64_t evictions = 0;
  size_t contexts = 0;         // entries now
};

}  // namespace sts::verifier

#endif  // STS_CLIENT_VERIFIER_OPTIONS_H_
