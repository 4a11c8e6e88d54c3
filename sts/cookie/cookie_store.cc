#include "sts/cookie/cookie_store.h"

#include <algorithm>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"

namespace sts::cookie {
namespace {

using token::KeyCopy;
using token::TokenState;
using token::TokenView;
using wire::Refuse;
using wire::Refusal;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

crypto::SecretBytes Secret(const std::string& bytes) { return crypto::SecretBytes::FromString(bytes); }

// Until when replica state about the identifier of `c` must be kept: the
// forget time of the longest-lived cookie in its lineage.
absl::Time LineageForgetAfter(const CookieContents& c) {
  if (c.lineage_forget_after_unix_micros() != 0) {
    return FromMicros(c.lineage_forget_after_unix_micros());
  }
  return std::max(FromMicros(c.expires_unix_micros()), FromMicros(c.key_until_unix_micros()));
}

// The view of a context, as its cookie and the shared state describe it at
// `now`. Keys: the cookie's own (until its key_until, or until the end of its
// rollover window once superseded), then those still rolling over.
TokenView ViewOf(const CookieContents& c, const replicas::ContextState& state, absl::Time now) {
  TokenView view;
  view.instance = c.instance();
  view.created = FromMicros(c.created_unix_micros());
  view.expires = FromMicros(c.expires_unix_micros());
  view.origin = FromMicros(c.origin_unix_micros() != 0 ? c.origin_unix_micros()
                                                       : c.created_unix_micros());
  view.principal = c.principal();
  view.applies_to = c.applies_to();
  view.key_bits = static_cast<uint32_t>(c.key().size() * 8);
  absl::Time own_key_until = FromMicros(c.key_until_unix_micros());
  if (state.cancelled) {
    view.state = TokenState::kCancelled;
    return view;  // no keys
  }
  if (c.instance() < state.current_instance) {
    auto it = state.superseded_until.find(c.instance());
    const absl::Time window_end = it == state.superseded_until.end() ? absl::InfinitePast()
                                                                     : it->second;
    if (now >= window_end) {
      view.state = TokenState::kSuperseded;
      return view;
    }
    own_key_until = std::min(own_key_until, window_end);
  }
  view.state = now >= view.expires ? TokenState::kExpired : TokenState::kLive;
  if (now < own_key_until) {
    view.keys.push_back(KeyCopy{c.instance(), view.state == TokenState::kLive
                                                  ? std::min(view.expires, own_key_until)
                                                  : own_key_until,
                                Secret(c.key())});
  }
  for (const SealedKey& previous : c.previous()) {
    const absl::Time until = FromMicros(previous.accept_until_unix_micros());
    if (now < until) view.keys.push_back(KeyCopy{previous.instance(), until, Secret(previous.key())});
  }
  return view;
}

}  // namespace

CookieStore::CookieStore(const Options& options, const CookieSealer* sealer,
                         replicas::ReplicaState* state)
    : options_(options), sealer_(sealer), state_(state) {}

absl::StatusOr<CookieContents> CookieStore::OpenFor(
    const token::TokenId& id, const sts::v1::SecurityContextToken& target) const {
  if (target.cookie().empty()) {
    return Refuse(Refusal::kUnknownContext,
                  "this STS serves stateless contexts: present the token with its cookie");
  }
  absl::StatusOr<CookieContents> contents = sealer_->Open(target.cookie());
  if (!contents.ok()) return contents.status();
  if (contents->identifier() !=
      absl::string_view(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size())) {
    WipeKeys(&*contents);
    return Refuse(Refusal::kUnknownContext, "the cookie belongs to another identifier");
  }
  return contents;
}

absl::Status CookieStore::Fill(const CookieContents& contents,
                               sts::v1::SecurityContextToken* issued) const {
  absl::StatusOr<std::string> cookie = sealer_->Seal(contents);
  if (!cookie.ok()) return cookie.status();
  std::array<uint8_t, 16> bytes;
  std::copy(contents.identifier().begin(), contents.identifier().end(), bytes.begin());
  issued->set_identifier(token::TokenId::FromBytes(bytes).ToUrn());
  issued->set_instance(absl::StrCat(contents.instance()));
  issued->set_cookie(*std::move(cookie));
  return absl::OkStatus();
}

absl::Status CookieStore::Create(const token::TokenId& id, absl::string_view principal,
                                 absl::string_view applies_to, uint32_t instance,
                                 absl::Span<const uint8_t> key,
                                 const token::TokenTimeline& timeline,
                                 sts::v1::SecurityContextToken* issued) {
  CookieContents contents;
  absl::Cleanup wipe = [&contents] { WipeKeys(&contents); };
  contents.set_identifier(id.bytes().data(), id.bytes().size());
  contents.set_instance(instance);
  contents.set_key(key.data(), key.size());
  contents.set_principal(std::string(principal));
  contents.set_applies_to(std::string(applies_to));
  contents.set_created_unix_micros(Micros(timeline.created));
  contents.set_expires_unix_micros(Micros(timeline.expires));
  contents.set_key_until_unix_micros(Micros(timeline.key_until));
  contents.set_lineage_forget_after_unix_micros(Micros(timeline.forget_after));
  contents.set_origin_unix_micros(Micros(timeline.created));
  return Fill(contents, issued);
}

absl::StatusOr<std::optional<TokenView>> CookieStore::Find(
    const token::TokenId& id, const sts::v1::SecurityContextToken& target, absl::Time now) {
  absl::StatusOr<CookieContents> contents = OpenFor(id, target);
  if (!contents.ok()) return contents.status();
  absl::Cleanup wipe = [&contents] { WipeKeys(&*contents); };
  absl::StatusOr<replicas::ContextState> state = state_->Get(id);
  if (state.ok()) return std::optional<TokenView>(ViewOf(*contents, *state, now));
  if (options_.refuse_validate_when_unavailable) return state.status();
  // From the cookie alone: cancellations and renewals are unseen until the
  // shared state is back (README.md, "Scale-out"), so the keys stay here
  // unless the operator chose otherwise.
  TokenView view = ViewOf(*contents, replicas::ContextState(), now);
  view.revocation_state_unknown = true;
  if (!options_.release_keys_when_unavailable) view.keys.clear();
  return std::optional<TokenView>(std::move(view));
}

absl::Status CookieStore::Rotate(const token::TokenId& id,
                                 const sts::v1::SecurityContextToken& target, absl::Time now,
                                 absl::Span<const uint8_t> new_key,
                                 const token::TokenTimeline& timeline, absl::Time pending_until,
                                 bool allow_expired, sts::v1::SecurityContextToken* issued) {
  absl::StatusOr<CookieContents> old = OpenFor(id, target);
  if (!old.ok()) return old.status();
  absl::Cleanup wipe_old = [&old] { WipeKeys(&*old); };
  const bool expired = now >= FromMicros(old->expires_unix_micros());
  if (expired && (!allow_expired || now >= FromMicros(old->key_until_unix_micros()))) {
    return token::RefuseNotLive(TokenState::kExpired);
  }
  const absl::Time old_accept_until =
      std::min(pending_until, FromMicros(old->expires_unix_micros()));
  // The renewal is remembered as long as the longest-lived cookie of the
  // identifier, the one renewed from included.
  const absl::Time lineage_forget_after = std::max(LineageForgetAfter(*old), timeline.forget_after);
  absl::StatusOr<uint32_t> instance =
      state_->Supersede(id, old->instance(), old_accept_until, lineage_forget_after, now);
  if (!instance.ok()) return instance.status();

  CookieContents next;
  absl::Cleanup wipe_next = [&next] { WipeKeys(&next); };
  next.set_identifier(old->identifier());
  next.set_instance(*instance);
  next.set_key(new_key.data(), new_key.size());
  next.set_principal(old->principal());
  next.set_applies_to(old->applies_to());
  next.set_created_unix_micros(Micros(timeline.created));
  next.set_expires_unix_micros(Micros(timeline.expires));
  next.set_key_until_unix_micros(Micros(timeline.key_until));
  next.set_lineage_forget_after_unix_micros(Micros(lineage_forget_after));
  next.set_origin_unix_micros(old->origin_unix_micros() != 0 ? old->origin_unix_micros()
                                                               : old->created_unix_micros());
  // The key renewed from rolls over first, then the older ones still inside
  // their windows, up to max_pending_keys.
  if (!expired && old_accept_until > now) {
    SealedKey* rolled = next.add_previous();
    rolled->set_instance(old->instance());
    rolled->set_key(old->key());
    rolled->set_accept_until_unix_micros(Micros(old_accept_until));
  }
  for (const SealedKey& previous : old->previous()) {
    if (next.previous_size() >= static_cast<int>(options_.max_pending_keys)) break;
    if (FromMicros(previous.accept_until_unix_micros()) > now) *next.add_previous() = previous;
  }
  return Fill(next, issued);
}

absl::Status CookieStore::Cancel(const token::TokenId& id,
                                 const sts::v1::SecurityContextToken& target, absl::Time now,
                                 absl::Time forget_after) {
  absl::StatusOr<CookieContents> contents = OpenFor(id, target);
  if (!contents.ok()) return contents.status();
  absl::Cleanup wipe = [&contents] { WipeKeys(&*contents); };
  // Remembered for as long as any cookie of this identifier could be used
  // (the replica state also never shortens what a renewal asked it to keep).
  return state_->Cancel(id, std::max(forget_after, LineageForgetAfter(*contents)), now);
}

}  // namespace sts::cookie
