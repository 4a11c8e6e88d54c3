// Verifier: the relying party's side. It checks protected messages from
// clients it has never seen before by resolving their contexts with the STS
// (Validate, as the context's audience), and protects its answers under the
// same contexts.
//
// Key cache (per context identifier):
//  - filled by Validate; holds every instance the STS released with its
//    accept_until (the current one until the context expires, superseded ones
//    until their rollover window ends);
//  - re-validated on the first use after `revalidate_after` (default 1 min),
//    so a cancellation is honoured within that time even for a key that still
//    verifies; and at once (at most once per `min_refresh_interval` per
//    context) when a message names an instance the cache does not hold (the
//    client renewed) or does not authenticate (the context may have been
//    cancelled or re-keyed);
//  - negative answers (unknown, cancelled, expired, no keys for us) are
//    cached for `negative_ttl` (default 10 s), so a stream of bad messages
//    costs the STS one Validate per context per ttl;
//  - if the STS cannot be reached, keys already cached keep working until
//    their accept_until and a new Validate is tried every
//    `min_refresh_interval`; contexts never seen are refused (UNAVAILABLE);
//  - at most `max_contexts` entries, least recently used evicted first.
// Concurrent misses for one context share one Validate call.
//
// Contract: thread-safe. The StsApi must be a client authenticated as the
// audience the contexts were issued for (applies_to); otherwise the STS
// releases no keys and every message is refused (PERMISSION_DENIED,
// wst:RequestFailed). Refusals are the receiver's (client/protect/receiver.h)
// plus those. No key byte is ever in a status.
#ifndef STS_CLIENT_VERIFIER_VERIFIER_H_
#define STS_CLIENT_VERIFIER_VERIFIER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/context/sts_api.h"
#include "client/protect/instance_keys.h"
#include "client/protect/receiver.h"
#include "client/verifier/options.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::verifier {

class KeyCache;

class Verifier {
 public:
  explicit Verifier(std::shared_ptr<context::StsApi> sts, VerifierOptions options = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // A signed request (client-to-server) bound to `associated_data`. On
  // success the payload may be used; the result says whose context it is
  // (identifier, principal, applies_to).
  absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> Verify(
      const sts::v1::ProtectedMessage& message, absl::string_view associated_data);
  // A sealed request: as Verify, plaintext to `plaintext` on success.
  absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> Open(
      const sts::v1::ProtectedMessage& message, absl::string_view associated_data,
      std::string* plaintext);

  // Answers (server-to-client) under the context and instance of a request
  // that verified (pass the request's token).
  absl::StatusOr<sts::v1::ProtectedMessage> Sign(const sts::v1::SecurityContextToken& token,
                                                 absl::string_view payload,
                                                 absl::string_view associated_data);
  absl::StatusOr<sts::v1::ProtectedMessage> Seal(const sts::v1::SecurityContextToken& token,
                                                 absl::string_view plaintext,
                                                 absl::string_view associated_data);

  // The keys a message under `token` is checked with, resolved as Verify
  // resolves them (the cache, else Validate as the audience); an empty
  // token.instance names the context's current instance. For message formats
  // other than sts.v1.ProtectedMessage (client/soap), which check their own
  // time windows and replays; refusals as Verify's.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> ResolveKeys(
      const sts::v1::SecurityContextToken& token);

  // Drops what is cached about a context.
  void Forget(absl::string_view identifier);
  VerifierStats stats() const;

 private:
  absl::StatusOr<sts::v1::ProtectedMessage> Answer(const sts::v1::SecurityContextToken& token,
                                                   absl::string_view payload,
                                                   absl::string_view associated_data, bool seal);

  const VerifierOptions options_;
  std::unique_ptr<KeyCache> cache_;
  std::unique_ptr<protect::Receiver> receiver_;
};

}  // namespace sts::verifier

#endif  // STS_CLIENT_VERIFIER_VERIFIER_H_
