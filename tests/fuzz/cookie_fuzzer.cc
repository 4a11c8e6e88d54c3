// The stateless store's cookie path (sts/cookie): CookieSealer::Open of a
// cookie from the wire, and CookieStore's Find, Rotate (a renewal) and
// Cancel on the token that carries it, over in-process replica state, with
// the fixed master keyset (fixed_keyset.h).
//
// Input: flags (1 byte), a time offset (1 byte, signed, in units of 5
// minutes from the fixed time), then the cookie.
//   flags bit 0  contents: the rest is a serialized sts.cookie.CookieContents
//                that the harness seals under the primary key, so that the
//                store's handling of every field is reached (an attacker
//                cannot seal; this asks what the store makes of any contents
//                its own keys could carry)
//         bit 1  the keyset was rotated: key 2 is primary, key 1 still opens
//         bit 2  renew: Rotate the context to a new key, then Find both the
//                old and the new cookie
//         bit 3  cancel: Cancel the context, then Find the cookies again
//         bit 4  allow expired renewal (Rotate's allow_expired)
//
// Checks: refusals carry a fault and no master key; what Find returns is
// the cookie's context; a renewal's cookie opens to the next instance of
// the same identifier; after a Cancel every cookie of the identifier finds
// the context cancelled, with no key.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "client/wire/fault.h"
#include "sts/cookie/cookie_contents.pb.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/cookie/cookie_store.h"
#include "sts/replicas/replica_state.h"
#include "sts/token/token.h"
#include "sts/token/token_id.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fixed_keyset.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_input.h"

namespace sts::fuzz {
namespace {

using token::TokenState;

void RequireNoKey(absl::string_view text) {
  for (const std::string& key : FixedMasterKeys()) {
    RequireNoSecret(text,
                    absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  }
}

void RequireClean(const absl::Status& status) {
  RequireFault(status);
  RequireNoKey(status.message());
}

// The identifier a cookie's contents name, or a fixed one when it has none.
token::TokenId IdOf(const absl::StatusOr<cookie::CookieContents>& contents) {
  std::array<uint8_t, 16> bytes{};
  if (contents.ok() && contents->identifier().size() == bytes.size()) {
    std::copy(contents->identifier().begin(), contents->identifier().end(), bytes.begin());
  }
  return token::TokenId::FromBytes(bytes);
}

absl::StatusOr<std::optional<token::TokenView>> Find(cookie::CookieStore& store,
                                                      const token::TokenId& id,
                                                      const sts::v1::SecurityContextToken& target,
                                                      absl::Time now) {
  absl::StatusOr<std::optional<token::TokenView>> found = store.Find(id, target, now);
  RequireClean(found.status());
  Trace("find", found.status());
  return found;
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
  const absl::Time now = FixedNow() + absl::Minutes(5) * static_cast<int8_t>(in.Byte());
  const std::string rest(in.Rest());

  cookie::CookieSealer sealer(FixedMasterKeyset((flags & 2) != 0));
  sts::v1::SecurityContextToken target;
  if (flags & 1) {
    cookie::CookieContents contents;
    if (!contents.ParseFromString(rest)) return 0;
    absl::StatusOr<std::string> sealed = sealer.Seal(contents);
    RequireClean(sealed.status());
    if (!sealed.ok()) return 0;
    target.set_cookie(*sealed);
  } else {
    target.set_cookie(rest);
  }

  const absl::StatusOr<cookie::CookieContents> opened = sealer.Open(target.cookie());
  RequireClean(opened.status());
  Trace("open", opened.status());
  const token::TokenId id = IdOf(opened);
  target.set_identifier(id.ToUrn());

  replicas::InMemoryReplicaState state(/*max_entries=*/64);
  cookie::CookieStore store(cookie::CookieStore::Options(), &sealer, &state);
  absl::StatusOr<std::optional<token::TokenView>> found = Find(store, id, target, now);
  Require(found.ok() == opened.ok(), "Find opens what Open opens", found.status());
  if (!found.ok()) return 0;
  Require(found->has_value(), "an opened cookie is a context");
  Require((*found)->instance == opened->instance() && (*found)->principal == opened->principal(),
          "Find answers the cookie's context");

  std::optional<sts::v1::SecurityContextToken> renewed;
  if (flags & 4) {
    token::TokenTimeline timeline;
    timeline.created = now;
    timeline.expires = now + absl::Hours(1);
    timeline.key_until = timeline.expires;
    timeline.forget_after = timeline.expires + absl::Minutes(10);
    const std::string new_key(32, '\x6b');
    sts::v1::SecurityContextToken issued;
    const absl::Status rotated = store.Rotate(
        id, target, now,
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(new_key.data()), new_key.size()),
        timeline, now + absl::Minutes(5), (flags & 16) != 0, &issued);
    RequireClean(rotated);
    Trace("rotate", rotated);
    if (rotated.ok()) {
      absl::StatusOr<cookie::CookieContents> next = sealer.Open(issued.cookie());
      Require(next.ok(), "a renewed cookie opens", next.status());
      Require(next->identifier() == opened->identifier(), "a renewal keeps the identifier");
      Require(next->instance() > opened->instance() || opened->instance() == UINT32_MAX,
              "a renewal moves to a later instance");
      Require(issued.identifier() == id.ToUrn(), "a renewed token names the identifier");
      absl::StatusOr<std::optional<token::TokenView>> again = Find(store, id, target, now);
      Require(again.ok() && again->has_value(), "the renewed-from cookie still finds its context",
              again.status());
      Require((*again)->state != TokenState::kLive || !(*again)->keys.empty() ||
                  (*found)->keys.empty(),
              "a cookie inside its rollover window keeps its key");
      (void)Find(store, id, issued, now);
      renewed = issued;
    }
  }
  if (flags & 8) {
    const absl::Status cancelled = store.Cancel(id, target, now, now + absl::Minutes(10));
    RequireClean(cancelled);
    Trace("cancel", cancelled);
    if (cancelled.ok()) {
      for (const sts::v1::SecurityContextToken& t :
           {target, renewed.value_or(target)}) {
        absl::StatusOr<std::optional<token::TokenView>> after = Find(store, id, t, now);
        Require(after.ok() && after->has_value(), "a cancelled context is still found",
                after.status());
        Require((*after)->state == TokenState::kCancelled, "a cancelled context stays cancelled");
        Require((*after)->keys.empty(), "a cancelled context has no keys");
      }
    }
  }
  return 0;
}
