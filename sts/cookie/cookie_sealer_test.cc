#include "sts/cookie/cookie_sealer.h"

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::cookie {
namespace {

std::shared_ptr<const MasterKeyset> Keyset(MasterKeysetFile* proto) {
  return *MasterKeyset::FromProto(*proto);
}

CookieContents Sample() {
  CookieContents c;
  c.set_identifier(std::string(16, '\x07'));
  c.set_instance(3);
  c.set_key(std::string(32, '\x42'));
  c.set_principal("spiffe://example.org/a");
  c.set_applies_to("spiffe://example.org/b");
  c.set_expires_unix_micros(123);
  return c;
}

TEST(CookieSealerTest, RoundTripsAndHidesTheContents) {
  MasterKeysetFile proto;
  AddRandomKey(&proto).IgnoreError();
  CookieSealer sealer(Keyset(&proto));
  absl::StatusOr<std::string> cookie = sealer.Seal(Sample());
  ASSERT_TRUE(cookie.ok());
  EXPECT_EQ(cookie->find(std::string(32, '\x42')), std::string::npos);
  EXPECT_EQ(cookie->find("spiffe://"), std::string::npos);
  absl::StatusOr<CookieContents> opened = sealer.Open(*cookie);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->SerializeAsString(), Sample().SerializeAsString());
  // Two seals of the same contents differ (fresh nonce).
  EXPECT_NE(*sealer.Seal(Sample()), *cookie);
}

TEST(CookieSealerTest, EveryModifiedByteIsRefused) {
  MasterKeysetFile proto;
  AddRandomKey(&proto).IgnoreError();
  CookieSealer sealer(Keyset(&proto));
  const std::string cookie = *sealer.Seal(Sample());
  for (size_t i = 0; i < cookie.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string modified = cookie;
      modified[i] = static_cast<char>(modified[i] ^ (1 << bit));
      absl::StatusOr<CookieContents> opened = sealer.Open(modified);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(wire::FaultNameOf(opened.status()), "wsc:BadContextToken");
    }
  }
  EXPECT_FALSE(sealer.Open(cookie.substr(0, cookie.size() - 1)).ok());
  EXPECT_FALSE(sealer.Open("").ok());
}

TEST(CookieSealerTest, RotationKeepsOldCookiesOpenUntilTheKeyIsRemoved) {
  MasterKeysetFile proto;
  AddRandomKey(&proto).IgnoreError();
  CookieSealer sealer(Keyset(&proto));
  const std::string sealed_under_1 = *sealer.Seal(Sample());

  const uint32_t second = *AddRandomKey(&proto);  // added everywhere first...
  proto.set_primary_key_id(second);               // ...then made primary
  sealer.SetKeyset(Keyset(&proto));
  const std::string sealed_under_2 = *sealer.Seal(Sample());
  EXPECT_EQ(static_cast<uint8_t>(sealed_under_2[4]), second);
  EXPECT_TRUE(sealer.Open(sealed_under_1).ok());
  EXPECT_TRUE(sealer.Open(sealed_under_2).ok());

  proto.mutable_key()->erase(proto.mutable_key()->begin());  // key 1 removed
  sealer.SetKeyset(Keyset(&proto));
  EXPECT_EQ(wire::FaultNameOf(sealer.Open(sealed_under_1).status()), "wsc:BadContextToken");
  EXPECT_TRUE(sealer.Open(sealed_under_2).ok());
}

TEST(CookieSealerTest, AnotherKeysetCannotOpen) {
  MasterKeysetFile a, b;
  AddRandomKey(&a).IgnoreError();
  AddRandomKey(&b).IgnoreError();  // same id 1, different secret
  CookieSealer sealer_a(Keyset(&a));
  CookieSealer sealer_b(Keyset(&b));
  EXPECT_FALSE(sealer_b.Open(*sealer_a.Seal(Sample())).ok());
}

}  // namespace
}  // namespace sts::cookie
