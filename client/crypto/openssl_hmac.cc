// HMAC is built here from the hash's low-level block API (SHA256_CTX,
// SHA_CTX) rather than on HMAC_CTX or EVP_MAC: a prepared key is then two
// plain structs (the hash state after the ipad and opad blocks), and a
// message costs two struct copies and the hashing, with no allocation. On
// OpenSSL 3 every HMAC_CTX or EVP_MD_CTX copy allocates a provider context,
// which at 1 KiB costs as much as the hashing itself. OpenSSL 3 marks the
// low-level hash API deprecated but keeps it (it backs the providers);
// BoringSSL has the same functions and structs, so this stays a backend swap.
// The one-shot HMAC() below is the independent implementation the tests
// compare against, together with the RFC 4231 / RFC 2202 vectors.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <climits>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/fatal.h"
#include "client/crypto/hmac.h"

namespace sts::crypto {
namespace internal {
namespace {

// HMAC_Init_ex reads a null key as "keep the previous key", so an empty key
// must still be a valid pointer.
constexpr uint8_t kEmptyKey[1] = {0};

// A key that does not fit HMAC's int length is replaced by its digest, which
// is exactly what HMAC does with any key longer than the block size, so the
// result is unchanged. (Used by the one-shot HMAC() only.)
class KeyArg {
 public:
  KeyArg(const EVP_MD* md, absl::Span<const uint8_t> key) {
    if (key.size() <= static_cast<size_t>(INT_MAX)) {
      data_ = key.empty() ? kEmptyKey : key.data();
      len_ = static_cast<int>(key.size());
      return;
    }
    unsigned int n = 0;
    if (EVP_Digest(key.data(), key.size(), hashed_, &n, md, nullptr) != 1) {
      FatalBackendError("EVP_Digest(HMAC key)");
    }
    data_ = hashed_;
    len_ = static_cast<int>(n);
  }
  ~KeyArg() { SecureZero(hashed_, sizeof(hashed_)); }
  KeyArg(const KeyArg&) = delete;
  KeyArg& operator=(const KeyArg&) = delete;

  const uint8_t* data() const { return data_; }
  int len() const { return len_; }

 private:
  uint8_t hashed_[EVP_MAX_MD_SIZE];
  const uint8_t* data_ = nullptr;
  int len_ = 0;
};

// The two hashes HMAC is used with here, behind one shape.
struct Sha256 {
  using Ctx = SHA256_CTX;
  static constexpr size_t kOut = SHA256_DIGEST_LENGTH;
  static void Init(Ctx* c) { SHA256_Init(c); }
  static void Update(Ctx* c, const void* p, size_t n) { SHA256_Update(c, p, n); }
  static void Final(uint8_t* out, Ctx* c) { SHA256_Final(out, c); }
};
struct Sha1 {
  using Ctx = SHA_CTX;
  static constexpr size_t kOut = SHA_DIGEST_LENGTH;
  static void Init(Ctx* c) { SHA1_Init(c); }
  static void Update(Ctx* c, const void* p, size_t n) { SHA1_Update(c, p, n); }
  static void Final(uint8_t* out, Ctx* c) { SHA1_Final(out, c); }
};
constexpr size_t kBlock = 64;  // both hashes

// The keyed inner and outer states (RFC 2104): key-equivalent, wiped on
// destruction.
template <typename H>
struct Keyed {
  typename H::Ctx inner;
  typename H::Ctx outer;

  void Prepare(absl::Span<const uint8_t> key) {
    uint8_t block[kBlock] = {0};
    if (key.size() > kBlock) {
      typename H::Ctx c;
      H::Init(&c);
      H::Update(&c, key.data(), key.size());
      H::Final(block, &c);
      SecureZero(&c, sizeof(c));
    } else if (!key.empty()) {
      std::memcpy(block, key.data(), key.size());
    }
    for (uint8_t& b : block) b ^= 0x36;
    H::Init(&inner);
    H::Update(&inner, block, kBlock);
    for (uint8_t& b : block) b ^= 0x36 ^ 0x5c;
    H::Init(&outer);
    H::Update(&outer, block, kBlock);
    SecureZero(block, sizeof(block));
  }

  void Sign(absl::Span<const absl::Span<const uint8_t>> parts, uint8_t* out) const {
    typename H::Ctx c = inner;
    for (absl::Span<const uint8_t> part : parts) {
      if (!part.empty()) H::Update(&c, part.data(), part.size());
    }
    uint8_t inner_hash[H::kOut];
    H::Final(inner_hash, &c);
    c = outer;
    H::Update(&c, inner_hash, sizeof(inner_hash));
    H::Final(out, &c);
    SecureZero(inner_hash, sizeof(inner_hash));
    SecureZero(&c, sizeof(c));
  }

  Keyed() = default;
  Keyed(const Keyed&) = default;
  Keyed& operator=(const Keyed&) = delete;

  ~Keyed() {
    SecureZero(&inner, sizeof(inner));
    SecureZero(&outer, sizeof(outer));
  }
};

}  // namespace

struct PreparedHmac::State {
  Hash hash = Hash::kSha256;
  Keyed<Sha256> sha256;  // used when hash == kSha256
  Keyed<Sha1> sha1;      // used when hash == kSha1
};

PreparedHmac::PreparedHmac(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
PreparedHmac::PreparedHmac(PreparedHmac&&) noexcept = default;
PreparedHmac& PreparedHmac::operator=(PreparedHmac&&) noexcept = default;
PreparedHmac::~PreparedHmac() = default;

absl::StatusOr<PreparedHmac> PreparedHmac::Create(
    Hash hash, absl::Span<const uint8_t> key) {
  auto state = std::make_unique<State>();
  state->hash = hash;
  if (hash == Hash::kSha256) {
    state->sha256.Prepare(key);
  } else {
    state->sha1.Prepare(key);
  }
  return PreparedHmac(std::move(state));
}

PreparedHmac PreparedHmac::WithPrefix(absl::Span<const uint8_t> prefix) const {
  if (state_ == nullptr) FatalBackendError("use of a moved-from HMAC key");
  auto state = std::make_unique<State>(*state_);
  if (!prefix.empty()) {
    if (state->hash == Hash::kSha256) {
      Sha256::Update(&state->sha256.inner, prefix.data(), prefix.size());
    } else {
      Sha1::Update(&state->sha1.inner, prefix.data(), prefix.size());
    }
  }
  return PreparedHmac(std::move(state));
}

size_t PreparedHmac::tag_size() const {
  if (state_ == nullptr) return 0;
  return state_->hash == Hash::kSha256 ? Sha256::kOut : Sha1::kOut;
}

void PreparedHmac::Sign(absl::Span<const absl::Span<const uint8_t>> parts,
                        absl::Span<uint8_t> out) const {
  if (state_ == nullptr) FatalBackendError("use of a moved-from HMAC key");
  if (out.size() != tag_size()) FatalBackendError("HMAC output size");
  // The prepared states are only read: concurrent const calls are safe.
  if (state_->hash == Hash::kSha256) {
    state_->sha256.Sign(parts, out.data());
  } else {
    state_->sha1.Sign(parts, out.data());
  }
}

}  // namespace internal

namespace {

template <size_t N>
std::array<uint8_t, N> OneShot(const EVP_MD* md, absl::Span<const uint8_t> key,
                               absl::Span<const uint8_t> data) {
  std::array<uint8_t, N> out;
  internal::KeyArg key_arg(md, key);
  unsigned int len = 0;
  // data() of an empty span may be null; HMAC accepts that with length 0.
  if (HMAC(md, key_arg.data(), key_arg.len(), data.data(), data.size(),
           out.data(), &len) == nullptr ||
      len != N) {
    internal::FatalBackendError("HMAC");
  }
  return out;
}

}  // namespace

HmacSha256Tag HmacSha256(absl::Span<const uint8_t> key,
                         absl::Span<const uint8_t> data) {
  return OneShot<kHmacSha256Size>(EVP_sha256(), key, data);
}

HmacSha1Tag HmacSha1(absl::Span<const uint8_t> key,
                     absl::Span<const uint8_t> data) {
  return OneShot<kHmacSha1Size>(EVP_sha1(), key, data);
}

}  // namespace sts::crypto
