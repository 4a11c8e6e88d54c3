// The stateless store over real Redis (Debian's redis-server on a loopback
// port): what the replica state is asked to remember, and for how long.
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "gtest/gtest.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/cookie/cookie_store.h"
#include "sts/cookie/master_keyset.h"
#include "sts/redis/redis_client.h"
#include "sts/replicas/redis_replica_state.h"
#include "tests/harness/redis_process.h"

namespace sts::cookie {
namespace {

token::TokenTimeline Timeline(absl::Time created, absl::Duration lifetime) {
  const absl::Time expires = created + lifetime;
  return {created, expires, expires, expires + absl::Minutes(10)};
}

// Security review, high 1, against Redis: after "issue for 12 h, renew with
// the default 1 h, cancel", the cancellation must outlive the renewed
// cookie and last as long as the 12-hour original could be used.
TEST(CookieRedisTest, ACancellationIsKeptAsLongAsTheLongestLivedCookie) {
  absl::StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  redis::RedisClient client(*redis::RedisClient::ParseAddress((*redis)->address()));
  replicas::RedisReplicaState state(&client);
  MasterKeysetFile keyset_file;
  ASSERT_TRUE(AddRandomKey(&keyset_file).ok());
  CookieSealer sealer(*MasterKeyset::FromProto(keyset_file));
  CookieStore store(CookieStore::Options(), &sealer, &state);

  // Redis expires keys on its own clock: use real time.
  const absl::Time now = absl::Now();
  const token::TokenId id = *token::TokenId::Generate();
  sts::v1::SecurityContextToken original;
  const std::string key(32, 'k');
  ASSERT_TRUE(store.Create(id, "alice", "rp", 1, crypto::AsBytes(key),
                           Timeline(now, absl::Hours(12)), &original)
                  .ok());
  sts::v1::SecurityContextToken renewed;
  ASSERT_TRUE(store.Rotate(id, original, now, crypto::AsBytes(std::string(32, 'n')),
                           Timeline(now, absl::Hours(1)), now + absl::Minutes(5), false, &renewed)
                  .ok());
  ASSERT_TRUE(store.Cancel(id, renewed, now, now + absl::Minutes(10)).ok());

  absl::StatusOr<redis::RedisReply> ttl = client.Run(
      {"PTTL", absl::StrCat("sts:ctx:", absl::BytesToHexString(absl::string_view(
                                            reinterpret_cast<const char*>(id.bytes().data()),
                                            id.bytes().size())))});
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  ASSERT_EQ(ttl->type, redis::RedisReply::Type::kInteger);
  EXPECT_GE(ttl->integer, absl::ToInt64Milliseconds(absl::Hours(12) - absl::Minutes(1)));
  // And the original reads as cancelled, key withheld.
  absl::StatusOr<std::optional<token::TokenView>> view = store.Find(id, original, now);
  ASSERT_TRUE(view.ok() && view->has_value());
  EXPECT_EQ((*view)->state, token::TokenState::kCancelled);
  EXPECT_TRUE((*view)->keys.empty());
}

}  // namespace
}  // namespace sts::cookie
