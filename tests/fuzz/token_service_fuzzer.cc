// The four RPCs' request handling in process: token::TokenService (with its
// policy, proof verifier, replay cache and rate limiter) over the keyring or
// the cookie store, as tests/harness/in_process_sts.h assembles it, on a
// fake clock. Requests are parsed from the input; a principal (the transport
// would take it from the client certificate) and the store are chosen by
// input bytes.
//
// Input: setup flags (1 byte), then operations until the input ends (at most
// kMaxOperations), each an op byte then, for the RPCs, the serialized
// request (FuzzInput::LengthPrefixed).
//   setup bit 0  the cookie store (else the keyring)
//         bit 1  tokens.allow_expired_renewal
//         bit 2  tight keyring limits (2 live contexts per principal, one
//                pending key)
//   op bits 0-2  0 Issue, 1 Renew, 2 Cancel, 3 Validate, 4 Amend, 5 advance
//                the clock (next byte x 37 s), 6 Sweep, 7 send the last Renew
//                or Cancel again, exactly as it went (a replay)
//      bits 3-4  the caller: 0 the client, 1 the audience, 2 a bystander
//                (may validate, status only), 3 an outsider (no policy rule)
//      bit 5     target a held token: the request's target is replaced by a
//                token an earlier Issue or Renew of this input returned (the
//                newest; with bit 7, the one before it)
//      bit 6     prove: the harness makes the request's proof of possession
//                with that token's key (wire::MakeRenewRequest /
//                MakeCancelRequest, keeping the request's other fields)
// Before the operations, the client issues one context for the audience, so
// every input holds a token from the start.
//
// Checks: refusals carry a fault and no key the input holds; a replayed
// Renew or Cancel that had succeeded is refused (a Cancel of a context
// already cancelled excepted: it is idempotent for its holder); Issue and
// Renew answer the caller's context with a key of the size they say;
// Renew keeps the identifier and moves to a later instance; Amend is always
// refused; once a Cancel succeeds, no Validate of that identifier answers
// valid and no Renew of it succeeds; keys are released only to the
// context's owner or its audience (never to the bystander or the outsider),
// marked as such, and they are the keys that Issue or Renew gave.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "client/clock.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/secret_bytes.h"
#include "client/wire/computed_key.h"
#include "client/wire/fault.h"
#include "client/wire/limits.h"
#include "client/wire/proof.h"
#include "client/wire/uris.h"
#include "sts/token/token_id.h"
#include "sts/v1/sts.pb.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/harness/in_process_sts.h"

namespace sts::fuzz {
namespace {

constexpr int kMaxOperations = 24;
constexpr char kOutsider[] = "dns:outsider.example";

const char* const kCallers[] = {sts::testing::kInProcessClient, sts::testing::kInProcessAudience,
                                sts::testing::kInProcessBystander, kOutsider};

// A token an Issue or Renew returned, with its key.
struct Held {
  sts::v1::SecurityContextToken token;
  crypto::SecretBytes key;
  std::string owner;
  std::string applies_to;
};

class Session {
 public:
  Session(std::unique_ptr<sts::testing::InProcessSts> sts, FakeClock* clock)
      : sts_(std::move(sts)), clock_(clock) {}

  void Issue(absl::string_view caller, const sts::v1::IssueRequest& request);
  void Renew(absl::string_view caller, sts::v1::RenewRequest request, const Held* target,
             bool prove);
  void Cancel(absl::string_view caller, sts::v1::CancelRequest request, const Held* target,
              bool prove);
  void Validate(absl::string_view caller, sts::v1::ValidateRequest request, const Held* target);
  void Amend(absl::string_view caller, sts::v1::AmendRequest request, const Held* target);
  void Sweep() { sts_->Sweep(); }
  // Sends the last Renew or Cancel again, as the caller that sent it.
  void Replay();

  // The newest held token (back = 0), or the one before it; null if none.
  const Held* HeldToken(int back) const {
    const int i = static_cast<int>(held_.size()) - 1 - back;
    return i >= 0 ? &held_[i] : nullptr;
  }
  void RequireClean(const absl::Status& status) const;
  void RequireNoKey(absl::string_view text) const;

 private:
  // Records the token and key a successful Issue or Renew returned.
  void Hold(absl::string_view caller, const sts::v1::Entropy* requestor,
            const sts::v1::RequestSecurityTokenResponse& response);
  bool Cancelled(absl::string_view identifier) const {
    const std::optional<token::TokenId> id = token::TokenId::Parse(identifier);
    return id.has_value() && cancelled_.count(id->ToUrn()) > 0;
  }

  std::unique_ptr<sts::testing::InProcessSts> sts_;
  FakeClock* clock_;
  std::vector<Held> held_;
  std::set<std::string> cancelled_;  // canonical identifiers
  // The last Renew or Cancel as sent, by whom, and whether it succeeded.
  std::optional<sts::v1::RenewRequest> last_renew_;
  std::optional<sts::v1::CancelRequest> last_cancel_;
  std::string last_caller_;
  bool last_ok_ = false;
};

void Session::RequireNoKey(absl::string_view text) const {
  for (const Held& h : held_) RequireNoSecret(text, h.key);
}

void Session::RequireClean(const absl::Status& status) const {
  RequireFault(status);
  RequireNoKey(status.message());
  Trace("rpc", status);
}

void Session::Hold(absl::string_view caller, const sts::v1::Entropy* requestor,
                   const sts::v1::RequestSecurityTokenResponse& response) {
  Require(response.principal() == caller, "a context is bound to its caller");
  Require(wire::IsValidKeyBits(response.key_size()), "an answered key size is valid");
  Require(token::TokenId::Parse(response.requested_security_token().identifier()).has_value(),
          "an answered identifier is a urn:uuid");
  const sts::v1::RequestedProofToken& proof = response.requested_proof_token();
  Held h;
  h.token = response.requested_security_token();
  h.owner = std::string(caller);
  h.applies_to = response.applies_to();
  if (proof.has_binary_secret()) {
    Require(proof.binary_secret().value().size() * 8 == response.key_size(),
            "a returned key has the size answered");
    h.key = crypto::SecretBytes::FromString(proof.binary_secret().value());
  } else {
    Require(requestor != nullptr, "a computed key answers requestor entropy");
    absl::StatusOr<crypto::SecretBytes> key = wire::ComputeKey(
        proof.computed_key(), crypto::AsBytes(requestor->binary_secret().value()),
        crypto::AsBytes(response.entropy().binary_secret().value()), response.key_size() / 8);
    Require(key.ok(), "the answered computed key can be computed", key.status());
    h.key = *std::move(key);
  }
  held_.push_back(std::move(h));
}

void Session::Issue(absl::string_view caller, const sts::v1::IssueRequest& request) {
  sts::v1::RequestSecurityTokenResponse response;
  const absl::Status s = sts_->service().Issue(caller, request, &response);
  RequireClean(s);
  if (!s.ok()) return;
  Require(caller != kOutsider, "no issue rule names the outsider");
  Hold(caller, request.has_entropy() ? &request.entropy() : nullptr, response);
}

void Session::Renew(absl::string_view caller, sts::v1::RenewRequest request, const Held* target,
                    bool prove) {
  if (target != nullptr) {
    if (prove) {
      absl::StatusOr<sts::v1::RenewRequest> proved =
          wire::MakeRenewRequest(target->token, target->key, clock_->Now(), request);
      Require(proved.ok(), "a proof can be made with a held key", proved.status());
      request = *std::move(proved);
    } else {
      *request.mutable_renew_target() = target->token;
    }
  }
  sts::v1::RequestSecurityTokenResponse response;
  const absl::Status s = sts_->service().Renew(caller, request, &response);
  RequireClean(s);
  last_renew_ = request;
  last_cancel_.reset();
  last_caller_ = std::string(caller);
  last_ok_ = s.ok();
  if (!s.ok()) return;
  const std::string& identifier = request.renew_target().identifier();
  Require(!Cancelled(identifier), "a cancelled context is never renewed");
  Require(token::TokenId::Parse(response.requested_security_token().identifier()) ==
              token::TokenId::Parse(identifier),
          "a renewal keeps the identifier");
  uint32_t before = 0, after = 0;
  Require(absl::SimpleAtoi(response.requested_security_token().instance(), &after),
          "an answered instance is a number");
  if (absl::SimpleAtoi(request.renew_target().instance(), &before)) {
    Require(after > before, "a renewal moves to a later instance");
  }
  Hold(caller, request.has_entropy() ? &request.entropy() : nullptr, response);
}

void Session::Cancel(absl::string_view caller, sts::v1::CancelRequest request, const Held* target,
                     bool prove) {
  if (target != nullptr) {
    if (prove) {
      absl::StatusOr<sts::v1::CancelRequest> proved =
          wire::MakeCancelRequest(target->token, target->key, clock_->Now());
      Require(proved.ok(), "a proof can be made with a held key", proved.status());
      request = *std::move(proved);
    } else {
      *request.mutable_cancel_target() = target->token;
    }
  }
  sts::v1::CancelResponse response;
  const absl::Status s = sts_->service().Cancel(caller, request, &response);
  RequireClean(s);
  last_cancel_ = request;
  last_renew_.reset();
  last_caller_ = std::string(caller);
  last_ok_ = s.ok();
  if (!s.ok()) return;
  Require(response.requested_token_cancelled(), "a successful Cancel says so");
  const std::optional<token::TokenId> id =
      token::TokenId::Parse(request.cancel_target().identifier());
  Require(id.has_value(), "a cancelled identifier is a urn:uuid");
  cancelled_.insert(id->ToUrn());
}

void Session::Replay() {
  if (last_renew_.has_value()) {
    sts::v1::RequestSecurityTokenResponse response;
    const absl::Status s = sts_->service().Renew(last_caller_, *last_renew_, &response);
    RequireClean(s);
    if (last_ok_) Require(!s.ok(), "a Renew is accepted once");
  } else if (last_cancel_.has_value()) {
    sts::v1::CancelResponse response;
    const absl::Status s = sts_->service().Cancel(last_caller_, *last_cancel_, &response);
    RequireClean(s);
    if (s.ok()) {
      Require(Cancelled(last_cancel_->cancel_target().identifier()),
              "a replayed Cancel succeeds only for a context already cancelled");
    }
  }
}

void Session::Validate(absl::string_view caller, sts::v1::ValidateRequest request,
                       const Held* target) {
  if (target != nullptr) *request.mutable_validate_target() = target->token;
  sts::v1::ValidateResponse response;
  const absl::Status s = sts_->service().Validate(caller, request, &response);
  RequireClean(s);
  if (!s.ok()) return;
  const bool valid = response.status().code() == wire::kStatusValid;
  if (valid) {
    Require(!Cancelled(request.validate_target().identifier()),
            "a cancelled context never validates");
  }
  if (response.keys().empty()) return;
  Require(valid, "keys come only with a valid answer");
  Require(caller != sts::testing::kInProcessBystander && caller != kOutsider,
          "keys go only to the owner or the audience");
  switch (response.keys_released_to()) {
    case sts::v1::ValidateResponse::KEYS_RELEASED_TO_AUDIENCE:
      Require(response.applies_to() == caller, "keys released to the audience go to it");
      break;
    case sts::v1::ValidateResponse::KEYS_RELEASED_TO_OWNER:
      Require(response.principal() == caller, "keys released to the owner go to it");
      break;
    default:
      Fail("released keys say to whom");
  }
  // The keys are those the context's Issue and Renew gave out.
  for (const sts::v1::ContextKey& key : response.keys()) {
    for (const Held& h : held_) {
      if (token::TokenId::Parse(h.token.identifier()) ==
              token::TokenId::Parse(response.token().identifier()) &&
          h.token.instance() == key.instance()) {
        Require(crypto::ConstantTimeEquals(h.key.span(), crypto::AsBytes(key.key())),
                "a released key is the key its instance was given");
      }
    }
  }
}

void Session::Amend(absl::string_view caller, sts::v1::AmendRequest request, const Held* target) {
  if (target != nullptr) *request.mutable_amend_target() = target->token;
  sts::v1::RequestSecurityTokenResponse response;
  const absl::Status s = sts_->service().Amend(caller, request, &response);
  RequireClean(s);
  Require(!s.ok(), "Amend is always refused");
}

template <class Request>
bool Parse(FuzzInput& in, Request* request) {
  return request->ParseFromString(std::string(in.LengthPrefixed()));
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  FuzzInput in(data, size);
  const uint8_t setup = in.Byte();
  sts::testing::InProcessStsOptions options;
  options.store = setup & 1 ? sts::testing::StoreKind::kCookie : sts::testing::StoreKind::kKeyring;
  options.tokens.allow_expired_renewal = (setup & 2) != 0;
  if (setup & 4) {
    options.limits.max_live_per_principal = 2;
    options.limits.max_pending_keys = 1;
  }
  options.replay_entries = 4096;
  options.replay_entries_per_principal = 512;
  FakeClock clock(FixedNow());
  absl::StatusOr<std::unique_ptr<sts::testing::InProcessSts>> sts =
      sts::testing::InProcessSts::Create(&clock, options);
  Require(sts.ok(), "the in-process STS starts", sts.status());
  Session session(*std::move(sts), &clock);
  absl::Cleanup check_log = [&session] { session.RequireNoKey(TakeProtobufLog()); };

  sts::v1::IssueRequest first;
  first.set_applies_to(sts::testing::kInProcessAudience);
  session.Issue(sts::testing::kInProcessClient, first);

  for (int op = 0; op < kMaxOperations && !in.empty(); ++op) {
    const uint8_t code = in.Byte();
    const char* caller = kCallers[(code >> 3) & 3];
    const Held* target = code & 32 ? session.HeldToken(code & 128 ? 1 : 0) : nullptr;
    const bool prove = (code & 64) != 0;
    switch (code & 7) {
      case 0: {
        sts::v1::IssueRequest request;
        if (Parse(in, &request)) session.Issue(caller, request);
        break;
      }
      case 1: {
        sts::v1::RenewRequest request;
        if (Parse(in, &request)) session.Renew(caller, std::move(request), target, prove);
        break;
      }
      case 2: {
        sts::v1::CancelRequest request;
        if (Parse(in, &request)) session.Cancel(caller, std::move(request), target, prove);
        break;
      }
      case 3: {
        sts::v1::ValidateRequest request;
        if (Parse(in, &request)) session.Validate(caller, std::move(request), target);
        break;
      }
      case 4: {
        sts::v1::AmendRequest request;
        if (Parse(in, &request)) session.Amend(caller, std::move(request), target);
        break;
      }
      case 5:
        clock.Advance(absl::Seconds(37) * in.Byte());
        break;
      case 6:
        session.Sweep();
        break;
      case 7:
        session.Replay();
        break;
    }
  }
  return 0;
}
