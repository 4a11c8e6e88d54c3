// The receiving side of message protection: every check a protected message
// must pass before its payload is used.
//
// Order of checks (docs/PROTECTED_MESSAGE.md section 5), first failure wins:
//  1. shape (CheckShape), the expected direction, and   wst:InvalidRequest
//     no P_SHA1 derivation unless accept_psha1
//  2. created within the timestamp window               wst:ExpiredData
//  3. the context and instance resolve to keys          wsc:BadContextToken,
//     (KeyResolver)                                     wst:InvalidSecurityToken,
//                                                       wsc:RenewNeeded,
//                                                       wsc:UnknownDerivationSource
//     and the message is for the receiver the context   wst:FailedAuthentication
//     names (ReceiverFor: its audience, or its holder);  (another receiver),
//     one that names none is refused when the context    wst:InvalidRequest
//     has one, unless require_receiver is false          (none)
//  4. the tag authenticates (constant time); if not,    wst:FailedAuthentication
//     the resolver is asked once for fresher keys
//     (a renewed or cancelled context), and the tag is
//     checked again if it has any
//  5. (identifier, direction, sequence) is new          wst:FailedAuthentication
// and then the resolver hears that the message was accepted (Authenticated).
//
// Thread-safe. The resolver must outlive the Receiver.
#ifndef STS_CLIENT_PROTECT_RECEIVER_H_
#define STS_CLIENT_PROTECT_RECEIVER_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/clock.h"
#include "client/protect/instance_keys.h"
#include "client/protect/message_view.h"
#include "client/protect/replay.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::protect {

// Where a receiver finds the keys of the context a message names: the holder's
// own SecurityContext, or a relying party's Verifier (which asks the STS).
// Implementations are thread-safe.
class KeyResolver {
 public:
  virtual ~KeyResolver() = default;

  // The keys of token.instance of context token.identifier, if that instance
  // is acceptable at `now`; else the refusal (see the list above).
  virtual absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) = 0;

  // A message under the keys Resolve returned did not authenticate. The
  // resolver may look again (the STS may have cancelled or renewed the
  // context) and return other keys for the same instance, nullptr when it
  // has nothing fresher, or a refusal. Rate-limiting is the resolver's job.
  virtual absl::StatusOr<std::shared_ptr<const InstanceKeys>> Refresh(
      const sts::v1::SecurityContextToken& token, absl::Time now) {
    return std::shared_ptr<const InstanceKeys>();
  }

  // A message naming `token` was accepted: its tag verified under the keys
  // Resolve (or Refresh) returned, and it was no replay. Until a resolver
  // hears this, nothing it learnt about the context came from anyone who
  // holds its key; a resolver that caches may keep what was confirmed safe
  // from what unauthenticated messages make it learn (client/verifier).
  virtual void Authenticated(const sts::v1::SecurityContextToken& token, absl::Time now) {}
};

struct ReceiverOptions {
  // Accepted distance between a message's created time and the receiver's
  // clock, either way (docs/ARCHITECTURE.md section 5: 5 minutes).
  absl::Duration timestamp_window = absl::Minutes(5);
  // Bound on the replay windows kept (one per context identifier).
  size_t max_replay_windows = 65536;
  // Refuse messages that name no receiver when the context names one
  // (ProtectedMessage.receiver). Off only for peers older than the field.
  bool require_receiver = true;
  // Accept WS-SC DerivedKeyToken (P_SHA1) message keys. Off by default: a
  // P_SHA1 key is the same for both directions (only the sender's nonce
  // differs), where the HKDF keys are separate per direction. Turn on for
  // WS-SC / SOAP interop only.
  bool accept_psha1 = false;
};

class Receiver {
 public:
  Receiver(KeyResolver* resolver, const Clock* clock, ReceiverOptions options = {});

  // A signed message sent in `expected` direction, authenticated over
  // `associated_data` too. On success the caller may use message.payload();
  // the result is the instance whose key authenticated it (its info() says
  // whose context it is).
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Verify(
      const sts::v1::ProtectedMessage& message, absl::string_view associated_data,
      Direction expected) const;

  // A sealed message: as Verify, and the plaintext goes to `plaintext` (only
  // on success).
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Open(
      const sts::v1::ProtectedMessage& message, absl::string_view associated_data,
      Direction expected, std::string* plaintext) const;

  // The same checks for a view (message_view.h). Open writes the plaintext
  // to `plaintext`, which must have the payload's size, only on success (and
  // wipes it otherwise). The resolver sees the view's token as a
  // sts::v1::SecurityContextToken the thread reuses, so a view costs no
  // allocation here either.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Verify(const MessageView& view,
                                                             absl::string_view associated_data,
                                                             Direction expected) const;
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Open(const MessageView& view,
                                                           absl::string_view associated_data,
                                                           Direction expected,
                                                           absl::Span<uint8_t> plaintext) const;

  const ReceiverOptions& options() const { return options_; }

 private:
  // What steps 2-5 need of a message whose shape (step 1) was checked.
  struct Claim {
    const sts::v1::SecurityContextToken& token;
    absl::string_view receiver;
    int64_t created_unix_nanos;
    uint64_t sequence;
  };
  absl::Status CheckReceiver(const InstanceKeys& keys, absl::string_view receiver,
                             Direction expected) const;
  // `authenticate` is step 4's crypto under given keys; `wipe` forgets a
  // plaintext it released when the message turns out to be a replay.
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Accept(
      const Claim& claim, Direction expected,
      absl::FunctionRef<absl::Status(const InstanceKeys&)> authenticate,
      absl::FunctionRef<void()> wipe) const;
  absl::Status CheckMessageShape(const sts::v1::ProtectedMessage& message,
                                 Direction expected) const;

  KeyResolver* const resolver_;
  const Clock* const clock_;
  const ReceiverOptions options_;
  mutable ReplayGuard replay_;
};

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_RECEIVER_H_
