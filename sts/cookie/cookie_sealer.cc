#include "sts/cookie/cookie_sealer.h"

#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/random.h"
#include "client/crypto/secret_bytes.h"
#include "client/wire/canonical.h"
#include "client/wire/fault.h"

namespace sts::cookie {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderBytes = 1 + 4;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr absl::string_view kAadLabel = "sts.v1 cookie";

std::string Aad(absl::string_view header) { return absl::StrCat(kAadLabel, header); }

absl::Status Unreadable() {
  return wire::Refuse(wire::Refusal::kUnknownContext,
                      "the cookie does not open (modified, or sealed under a master key this "
                      "STS does not hold)");
}

void Wipe(std::string* s) {
  if (!s->empty()) crypto::SecureZero(s->data(), s->size());
}

}  // namespace

void WipeKeys(CookieContents* contents) {
  Wipe(contents->mutable_key());
  for (SealedKey& previous : *contents->mutable_previous()) Wipe(previous.mutable_key());
}

CookieSealer::CookieSealer(std::shared_ptr<const MasterKeyset> keyset)
    : keyset_(std::move(keyset)) {}

void CookieSealer::SetKeyset(std::shared_ptr<const MasterKeyset> keyset) {
  std::lock_guard<std::mutex> lock(mu_);
  keyset_ = std::move(keyset);
}

std::shared_ptr<const MasterKeyset> CookieSealer::keyset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keyset_;
}

absl::StatusOr<std::string> CookieSealer::Seal(const CookieContents& contents) const {
  const std::shared_ptr<const MasterKeyset> keyset = this->keyset();
  wire::CanonicalWriter header(kHeaderBytes);
  header.Raw(absl::MakeConstSpan(&kVersion, 1)).U32(keyset->primary_id());
  absl::StatusOr<std::string> nonce = crypto::RandomBytes(kNonceBytes);
  if (!nonce.ok()) return wire::Refuse(wire::Refusal::kInternal, "random source failed");
  std::string plaintext = contents.SerializeAsString();
  absl::StatusOr<std::string> sealed = keyset->primary().Seal(
      crypto::AsBytes(*nonce), crypto::AsBytes(plaintext), crypto::AsBytes(Aad(header.bytes())));
  Wipe(&plaintext);
  if (!sealed.ok()) return wire::Refuse(wire::Refusal::kInternal, "cookie sealing failed");
  return absl::StrCat(header.bytes(), *nonce, *sealed);
}

absl::StatusOr<CookieContents> CookieSealer::Open(absl::string_view cookie) const {
  if (cookie.size() < kHeaderBytes + kNonceBytes + kTagBytes ||
      static_cast<uint8_t>(cookie[0]) != kVersion) {
    return Unreadable();
  }
  const auto* b = reinterpret_cast<const uint8_t*>(cookie.data());
  const uint32_t key_id = uint32_t{b[1]} << 24 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 8 | b[4];
  const std::shared_ptr<const MasterKeyset> keyset = this->keyset();
  const crypto::AesGcmKey* key = keyset->Find(key_id);
  if (key == nullptr) return Unreadable();
  absl::StatusOr<crypto::SecretBytes> plaintext =
      key->Open(crypto::AsBytes(cookie.substr(kHeaderBytes, kNonceBytes)),
                crypto::AsBytes(cookie.substr(kHeaderBytes + kNonceBytes)),
                crypto::AsBytes(Aad(cookie.substr(0, kHeaderBytes))));
  if (!plaintext.ok()) return Unreadable();
  CookieContents contents;
  if (!contents.ParseFromArray(plaintext->data(), static_cast<int>(plaintext->size())) ||
      contents.identifier().size() != 16) {
    return Unreadable();
  }
  return contents;
}

}  // namespace sts::cookie
