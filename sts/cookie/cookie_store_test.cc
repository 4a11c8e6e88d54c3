#include "sts/cookie/cookie_store.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::cookie {
namespace {

using token::TokenState;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

token::TokenTimeline Timeline(absl::Time created, absl::Duration lifetime) {
  return {created, created + lifetime, created + lifetime, created + lifetime + absl::Minutes(10)};
}

std::string Bytes(const crypto::SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

class CookieStoreTest : public ::testing::Test {
 protected:
  CookieStoreTest()
      : sealer_(Keyset()), store_(CookieStore::Options(), &sealer_, &state_), id_(*token::TokenId::Generate()) {}

  static std::shared_ptr<const MasterKeyset> Keyset() {
    MasterKeysetFile proto;
    AddRandomKey(&proto).IgnoreError();
    return *MasterKeyset::FromProto(proto);
  }

  sts::v1::SecurityContextToken Issue(const std::string& key = std::string(32, 'k')) {
    sts::v1::SecurityContextToken token;
    EXPECT_TRUE(store_.Create(id_, "alice", "rp", 1, crypto::AsBytes(key),
                              Timeline(kT0, absl::Hours(1)), &token).ok());
    return token;
  }

  token::TokenView MustFind(const sts::v1::SecurityContextToken& token, absl::Time now) {
    absl::StatusOr<std::optional<token::TokenView>> view = store_.Find(id_, token, now);
    EXPECT_TRUE(view.ok()) << view.status();
    if (!view.ok() || !view->has_value()) return token::TokenView();
    return std::move(**view);
  }

  CookieSealer sealer_;
  replicas::InMemoryReplicaState state_;
  CookieStore store_;
  token::TokenId id_;
};

TEST_F(CookieStoreTest, TheCookieCarriesTheWholeContext) {
  const sts::v1::SecurityContextToken token = Issue();
  EXPECT_EQ(token.identifier(), id_.ToUrn());
  EXPECT_EQ(token.instance(), "1");
  EXPECT_FALSE(token.cookie().empty());
  const token::TokenView view = MustFind(token, kT0);
  EXPECT_EQ(view.state, TokenState::kLive);
  EXPECT_EQ(view.principal, "alice");
  EXPECT_EQ(view.applies_to, "rp");
  EXPECT_EQ(view.key_bits, 256u);
  ASSERT_EQ(view.keys.size(), 1u);
  EXPECT_EQ(Bytes(view.keys[0].key), std::string(32, 'k'));
  // Issuing writes no shared state.
  EXPECT_EQ(state_.Purge(absl::InfiniteFuture()), 0u);
}

TEST_F(CookieStoreTest, ACookieIsBoundToItsIdentifierAndRequired) {
  sts::v1::SecurityContextToken token = Issue();
  const token::TokenId other = *token::TokenId::Generate();
  EXPECT_EQ(wire::FaultNameOf(store_.Find(other, token, kT0).status()), "wsc:BadContextToken");
  token.clear_cookie();
  EXPECT_EQ(wire::FaultNameOf(store_.Find(id_, token, kT0).status()), "wsc:BadContextToken");
}

TEST_F(CookieStoreTest, ExpiryIsReadFromTheCookie) {
  const sts::v1::SecurityContextToken token = Issue();
  const token::TokenView view = MustFind(token, kT0 + absl::Hours(1));
  EXPECT_EQ(view.state, TokenState::kExpired);
  EXPECT_TRUE(view.keys.empty());
}

TEST_F(CookieStoreTest, CancelInvalidatesEveryCookieOfTheContext) {
  const sts::v1::SecurityContextToken token = Issue();
  ASSERT_TRUE(store_.Cancel(id_, token, kT0, kT0 + absl::Minutes(10)).ok());
  const token::TokenView view = MustFind(token, kT0);
  EXPECT_EQ(view.state, TokenState::kCancelled);
  EXPECT_TRUE(view.keys.empty());
  sts::v1::SecurityContextToken renewed;
  EXPECT_EQ(wire::FaultNameOf(store_.Rotate(id_, token, kT0, crypto::AsBytes(std::string(32, 'n')),
                                            Timeline(kT0, absl::Hours(1)), kT0 + absl::Minutes(5),
                                            false, &renewed)),
            "wst:InvalidSecurityToken");
}

TEST_F(CookieStoreTest, RenewalSupersedesTheOldCookieAfterItsWindow) {
  const sts::v1::SecurityContextToken first = Issue(std::string(32, '1'));
  sts::v1::SecurityContextToken second;
  ASSERT_TRUE(store_.Rotate(id_, first, kT0, crypto::AsBytes(std::string(32, '2')),
                            Timeline(kT0, absl::Hours(1)), kT0 + absl::Minutes(5), false, &second)
                  .ok());
  EXPECT_EQ(second.instance(), "2");
  // The new cookie carries both keys; the old one still works in the window.
  token::TokenView view = MustFind(second, kT0);
  ASSERT_EQ(view.keys.size(), 2u);
  EXPECT_EQ(view.keys[0].instance, 2u);
  EXPECT_EQ(Bytes(view.keys[1].key), std::string(32, '1'));
  EXPECT_EQ(MustFind(first, kT0 + absl::Minutes(4)).state, TokenState::kLive);
  // After the window: the old cookie is superseded, the new one lives on.
  EXPECT_EQ(MustFind(first, kT0 + absl::Minutes(5)).state, TokenState::kSuperseded);
  view = MustFind(second, kT0 + absl::Minutes(5));
  EXPECT_EQ(view.state, TokenState::kLive);
  EXPECT_EQ(view.keys.size(), 1u);
}

TEST_F(CookieStoreTest, RenewalsOnDifferentReplicasNeverReuseAnInstance) {
  const sts::v1::SecurityContextToken first = Issue();
  sts::v1::SecurityContextToken a, b;
  const token::TokenTimeline t = Timeline(kT0, absl::Hours(1));
  const std::string key(32, 'n');
  ASSERT_TRUE(store_.Rotate(id_, first, kT0, crypto::AsBytes(key), t, kT0 + absl::Minutes(5), false, &a).ok());
  ASSERT_TRUE(store_.Rotate(id_, first, kT0, crypto::AsBytes(key), t, kT0 + absl::Minutes(5), false, &b).ok());
  EXPECT_EQ(a.instance(), "2");
  EXPECT_EQ(b.instance(), "3");
}

// While the shared state cannot be read, a cancellation made elsewhere is
// unseen: by default the answer is status only, marked as such, and no key is
// released (a cancelled context's key would be); releasing anyway and
// refusing outright are the operator's other two choices.
TEST_F(CookieStoreTest, SharedStateOutageWithholdsKeysAndMarksTheAnswer) {
  class Down final : public replicas::ReplicaState {
   public:
    absl::StatusOr<replicas::ContextState> Get(const token::TokenId&) override { return Unavailable(); }
    absl::StatusOr<uint32_t> Supersede(const token::TokenId&, uint32_t, absl::Time, absl::Time,
                                       absl::Time) override {
      return Unavailable();
    }
    absl::Status Cancel(const token::TokenId&, absl::Time, absl::Time) override {
      return Unavailable();
    }
    static absl::Status Unavailable() {
      return wire::Refuse(wire::Refusal::kUnavailable, "shared state unreachable");
    }
  } down;
  CookieStore fail_closed(CookieStore::Options(), &sealer_, &down);
  CookieStore::Options release;
  release.release_keys_when_unavailable = true;
  CookieStore releasing(release, &sealer_, &down);
  CookieStore::Options strict;
  strict.refuse_validate_when_unavailable = true;
  CookieStore refusing(strict, &sealer_, &down);
  const sts::v1::SecurityContextToken token = Issue();

  absl::StatusOr<std::optional<token::TokenView>> view = fail_closed.Find(id_, token, kT0);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->state, TokenState::kLive);
  EXPECT_TRUE((*view)->revocation_state_unknown);
  EXPECT_TRUE((*view)->keys.empty());
  view = releasing.Find(id_, token, kT0);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE((*view)->revocation_state_unknown);
  EXPECT_EQ((*view)->keys.size(), 1u);
  EXPECT_EQ(refusing.Find(id_, token, kT0).status().code(), absl::StatusCode::kUnavailable);
  // With the state read, the answer is not marked.
  EXPECT_FALSE(MustFind(token, kT0).revocation_state_unknown);

  sts::v1::SecurityContextToken renewed;
  EXPECT_EQ(fail_closed.Rotate(id_, token, kT0, crypto::AsBytes(std::string(32, 'n')),
                               Timeline(kT0, absl::Hours(1)), kT0, false, &renewed).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(fail_closed.Cancel(id_, token, kT0, kT0).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sts::cookie
