// SecurityContext: an SCT as its holder (the client) keeps it, and the one
// object a client service needs to protect what it sends and check what it
// receives under it.
//
// What it does:
//  - holds the context key (from the Issue response: the binary secret, or
//    the key computed from our entropy and the STS's, CK/PSHA1 or HKDF) and
//    the message keys derived from it (client/protect/instance_keys.h);
//  - Sign/Seal messages to the relying party (direction client-to-server),
//    Verify/Open its answers (server-to-client), with sequence numbers,
//    timestamps and a replay window (client/protect/receiver.h);
//  - renews itself at a share of its lifetime (default 60 %, as WCF does), in
//    a background thread, or on first use after that point, or only when
//    asked; messages keep flowing under the current key meanwhile, and
//    answers made under the previous key still verify until its rollover
//    window ends;
//  - cancels the context at the STS on destruction if asked.
//
// Contract: thread-safe; share one per context (std::shared_ptr). Time comes
// from the injected Clock only. Errors are absl::Status with a WS-Trust fault
// (wire::FaultNameOf): wst:InvalidSecurityToken once cancelled,
// wsc:RenewNeeded once expired and not renewable. No key byte is ever in a
// status, and nothing here is printable.
#ifndef STS_CLIENT_CONTEXT_SECURITY_CONTEXT_H_
#define STS_CLIENT_CONTEXT_SECURITY_CONTEXT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/clock.h"
#include "client/context/sts_api.h"
#include "client/protect/instance_keys.h"
#include "client/protect/message_view.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"
#include "sts/v1/protected_message.pb.h"
#include "sts/v1/sts.pb.h"

namespace sts::context {

enum class RenewalMode {
  // A background thread renews at the renewal point; a use past that point
  // wakes it at once (so a fake clock drives it too).
  kBackground,
  // The first use past the renewal point renews, in the caller's thread;
  // concurrent users carry on with the current key meanwhile.
  kOnUse,
  // Only RenewNow()/RenewIfDue() renew.
  kManual,
};

struct SecurityContextOptions {
  const Clock* clock = Clock::Real();
  RenewalMode renewal = RenewalMode::kBackground;
  // Share of the lifetime (created..expires) after which to renew.
  double renew_at = 0.6;
  // After a failed renewal, the next attempt waits this long. (In every mode
  // but kManual, a use of an expired key first tries one blocking renewal.)
  absl::Duration retry_interval = absl::Seconds(10);
  // How long answers made under a superseded instance still verify (the
  // STS's rollover window, docs/ARCHITECTURE.md section 5), and how many such instances
  // are kept.
  absl::Duration rollover_window = absl::Minutes(5);
  size_t max_previous_instances = 5;
  // Cancel the context at the STS when this object is destroyed.
  bool cancel_on_shutdown = false;
  // Issue and Renew with our own entropy, so the key is computed on both
  // sides and never travels (wst:ComputedKey). Empty algorithm: CK/PSHA1.
  bool use_entropy = false;
  std::string computed_key_algorithm;
  // Asked for on Renew: lifetime (zero: the STS's default) and key size in
  // bits (0: keep the current size).
  absl::Duration renew_lifetime = absl::ZeroDuration();
  uint32_t renew_key_size = 0;
  // How outgoing message keys are derived (HKDF by default; P_SHA1 for WS-SC
  // peers), and the checks on incoming messages (answers made with P_SHA1
  // keys need receiver.accept_psha1).
  protect::DerivationOptions derivation;
  protect::ReceiverOptions receiver;
  // The principal every message sent names as its receiver
  // (ProtectedMessage.receiver, covered by the tag). Unset: the context's
  // applies_to, the relying party the STS releases its keys to; "": none.
  std::optional<std::string> addressed_to;
};

class SecurityContext {
 public:
  // From an Issue (or Renew) response and the entropy we sent with the
  // request (empty if none). `sts` may be null: the context then never
  // renews or cancels (e.g. a context loaded from a file).
  static absl::StatusOr<std::unique_ptr<SecurityContext>> Create(
      std::shared_ptr<StsApi> sts, const sts::v1::RequestSecurityTokenResponse& response,
      absl::Span<const uint8_t> requestor_entropy, SecurityContextOptions options = {});

  // Issues a new context (adding our entropy when options.use_entropy).
  static absl::StatusOr<std::unique_ptr<SecurityContext>> Issue(
      std::shared_ptr<StsApi> sts, sts::v1::IssueRequest request,
      SecurityContextOptions options = {});

  SecurityContext(const SecurityContext&) = delete;
  SecurityContext& operator=(const SecurityContext&) = delete;
  // Stops the renewal thread; cancels at the STS if options said so.
  ~SecurityContext();

  // wsc:Identifier, and the current instance as a token (with its cookie).
  const std::string& identifier() const { return identifier_; }
  sts::v1::SecurityContextToken token() const;
  // When the current instance expires, on this process's clock (the granted
  // lifetime counted from when the response arrived).
  absl::Time expires() const;
  const std::string& principal() const { return principal_; }
  const std::string& applies_to() const { return applies_to_; }

  // Messages to the relying party (client-to-server), bound to
  // `associated_data` (e.g. the RPC method), which travels separately.
  absl::StatusOr<sts::v1::ProtectedMessage> Sign(absl::string_view payload,
                                                 absl::string_view associated_data);
  absl::StatusOr<sts::v1::ProtectedMessage> Seal(absl::string_view plaintext,
                                                 absl::string_view associated_data);
  // The same, for a message whose payload is already in place (no copy):
  // fills the header and the tag (Seal also encrypts the payload in place).
  absl::Status SignInPlace(sts::v1::ProtectedMessage* message, absl::string_view associated_data);
  absl::Status SealInPlace(sts::v1::ProtectedMessage* message, absl::string_view associated_data);

  // A signed client-to-server message as a view (client/protect/
  // message_view.h), for a transport that carries the header fields itself
  // (client/grpc): no sts.v1.ProtectedMessage is built. The view's strings
  // point into `keys` (and this context's options), its payload is
  // `payload`, its tag `tag`; keep the SignedView while they are read.
  struct SignedView {
    std::shared_ptr<const protect::InstanceKeys> keys;
    protect::MessageView view;  // view.tag is empty: the tag is below
    crypto::HmacSha256Tag tag;
  };
  // wst:InvalidRequest for a context configured for P_SHA1 derived keys,
  // which a view cannot name; else the refusals of SignInPlace.
  absl::Status SignView(absl::string_view payload, absl::string_view associated_data,
                        SignedView* out);

  // Answers from the relying party (server-to-client), made with this
  // context's current key or a superseded one inside its rollover window.
  absl::Status Verify(const sts::v1::ProtectedMessage& message,
                      absl::string_view associated_data) const;
  absl::StatusOr<std::string> Open(const sts::v1::ProtectedMessage& message,
                                   absl::string_view associated_data) const;

  // Renews now (serialised with any other renewal). Needs an StsApi.
  absl::Status RenewNow();
  // Renews if the renewal point has passed; OK if it had not.
  absl::Status RenewIfDue();
  // Cancels the context at the STS; from then on every use is refused with
  // wst:InvalidSecurityToken and the keys are dropped.
  absl::Status Cancel();

  // Renewals done so far, and the last renewal error (OK if none).
  uint64_t renewals() const;
  absl::Status last_renewal_error() const;
  // Waits (real time, at most `timeout`) until at least `count` renewals are
  // done; for tests of the background mode. True if they are.
  bool AwaitRenewals(uint64_t count, absl::Duration timeout) const;

  // The keys of `token` (this context's identifier; an instance that is
  // current, or superseded and inside its rollover window; an empty instance
  // names the current one), as Verify resolves them for answers. For message
  // formats other than sts.v1.ProtectedMessage (client/soap). Refusals:
  // wsc:BadContextToken for another context, wsc:RenewNeeded once expired,
  // wsc:UnknownDerivationSource for an instance not held, and
  // wst:InvalidSecurityToken once cancelled.
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> ResolveKeys(
      const sts::v1::SecurityContextToken& token) const;

  // The current instance's keys: for code that builds its own messages
  // (client/protect/message.h) or proofs. Null once cancelled.
  std::shared_ptr<const protect::InstanceKeys> current_keys() const;

 private:
  class OwnKeys;  // the KeyResolver for server-to-client messages
  struct Previous {
    std::shared_ptr<const protect::InstanceKeys> keys;
    absl::Time accept_until;
  };

  SecurityContext(std::shared_ptr<StsApi> sts, SecurityContextOptions options,
                  std::string identifier, std::string principal, std::string applies_to);

  absl::Status Install(const sts::v1::RequestSecurityTokenResponse& response,
                       absl::Span<const uint8_t> requestor_entropy, absl::Time now);
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> KeysForSending();
  absl::Status Protect(sts::v1::ProtectedMessage* message, absl::string_view associated_data,
                       bool seal);
  absl::Status RenewLocked();  // requires renew_mu_
  void Poke();
  void RenewalLoop();

  const std::shared_ptr<StsApi> sts_;
  const SecurityContextOptions options_;
  const std::string identifier_;
  const std::string principal_;
  const std::string applies_to_;
  std::atomic<uint64_t> next_sequence_;

  mutable std::shared_mutex mu_;
  std::shared_ptr<const protect::InstanceKeys> current_;  // guarded by mu_
  std::deque<Previous> previous_;                         // guarded by mu_, newest first
  absl::Time expires_;                                    // guarded by mu_
  absl::Time renew_due_;                                  // guarded by mu_
  absl::Status dead_;       // guarded by mu_: why the context is unusable (cancelled)
  uint64_t renewals_ = 0;   // guarded by mu_
  absl::Status last_error_;  // guarded by mu_

  std::mutex renew_mu_;  // one Renew or Cancel at a time

  // The renewal thread and what wakes it. std::mutex, not absl::Mutex: see
  // sts/server/sts_server.h (ThreadSanitizer).
  mutable std::mutex thread_mu_;
  mutable std::condition_variable thread_cv_;  // pokes and stop
  mutable std::condition_variable renewed_cv_;  // AwaitRenewals
  bool poked_ = false;     // guarded by thread_mu_
  bool stopping_ = false;  // guarded by thread_mu_
  std::thread thread_;

  std::unique_ptr<OwnKeys> own_keys_;
  std::unique_ptr<protect::Receiver> receiver_;
};

}  // namespace sts::context

#endif  // STS_CLIENT_CONTEXT_SECURITY_CONTEXT_H_
