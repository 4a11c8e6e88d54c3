// Verifier: the relying party's side. It checks protected messages from
// clients it has never seen before by resolving their contexts with the STS
// (Validate, as the context's audience), and protects its answers under the
// same contexts.
//
// Key cache (per context identifier; key_cache.h has the reasoning):
//  - filled by Validate; holds every instance the STS released with its
//    accept_until (the current one until the context expires, superseded ones
//    until their rollover window ends). Answers are merged by instance, never
//    replace what is held;
//  - re-validated on the first use after `revalidate_after` (default 1 min),
//    so a cancellation is honoured within that time even for a key that still
//    verifies, asking about the token of the newest message accepted under
//    the entry (never the token of the message that happens to arrive);
//  - a message naming an instance the cache does not hold (the client
//    renewed), or whose tag does not verify, makes it ask the STS about that
//    message's token, at most once per `min_refresh_interval` (1 s) per
//    context; a message over that budget is refused UNAVAILABLE
//    (wst:RequestFailed, retryable) and nothing is cached about it;
//  - what the STS answers about a message's token refuses that token only:
//    negative answers (unknown, expired, superseded, no keys for us, a
//    refused request such as a cookie that does not open) are cached for
//    `negative_ttl` (10 s) per (identifier, cookie) and never drop keys
//    resolved from another token. The one exception is "cancelled", which
//    is about the identifier and drops its keys;
//  - so a stream of forged messages costs the STS at most one Validate per
//    context per min_refresh_interval (plus the periodic revalidation of
//    held keys), and cannot blank keys resolved from a genuine message. What
//    remains: someone who knows an identifier before its holder's first
//    message reaches the cache can spend that interval's lookup, delaying
//    that message (UNAVAILABLE) by up to min_refresh_interval per forged
//    message, for as long as they send one per interval; likewise the first
//    message under a new instance after a renewal, which needs a lookup too;
//  - if the STS cannot be reached, keys already cached keep working until
//    their accept_until and a new Validate is tried every
//    `min_refresh_interval`; contexts never seen are refused (UNAVAILABLE);
//  - at most `max_contexts` entries whose keys verified a message, and as
//    many others, each set evicting its own least recently used first, so
//    messages under made-up identifiers cannot push out the first kind.
// Concurrent misses for one context share one Validate call.
//
// Binding (docs/PROTECTED_MESSAGE.md sections 5 and 8): a request must name
// the context's applies_to as its receiver; contexts whose keys the STS
// released to us as their owner rather than their audience are refused
// (PERMISSION_DENIED, wst:RequestFailed) unless options.accept_owner_keys;
// P_SHA1-derived messages only with options.receiver.accept_psha1.
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
#include "client/protect/message_view.h"
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
  // The same for a message a transport carries as a view (client/grpc's
  // metadata): no sts.v1.ProtectedMessage is built.
  absl::StatusOr<std::shared_ptr<const protect::ContextInfo>> Verify(
      const protect::MessageView& view, absl::string_view associated_data);
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

  // For message formats other than sts.v1.ProtectedMessage (client/soap): a
  // message under `token` (identifier, instance, cookie) whose keys came
  // from ResolveKeys passed every check, so its context counts as confirmed
  // (verify() does this itself for ProtectedMessages).
  void Authenticated(const sts::v1::SecurityContextToken& token);

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
