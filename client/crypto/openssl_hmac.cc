// OpenSSL 3 deprecates HMAC_CTX in favour of EVP_MAC, which BoringSSL does not
// have. HMAC_CTX is the API both libraries share, and staying on it keeps a
// move to BoringSSL a change to this module only.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/fatal.h"
#include "client/crypto/hmac.h"

namespace sts::crypto {
namespace internal {
namespace {

const EVP_MD* Md(PreparedHmac::Hash hash) {
  return hash == PreparedHmac::Hash::kSha1 ? EVP_sha1() : EVP_sha256();
}

// HMAC_Init_ex reads a null key as "keep the previous key", so an empty key
// must still be a valid pointer.
constexpr uint8_t kEmptyKey[1] = {0};

// A key that does not fit HMAC's int length is replaced by its digest, which
// is exactly what HMAC does with any key longer than the block size, so the
// result is unchanged.
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

struct HmacCtxDeleter {
  void operator()(HMAC_CTX* ctx) const { HMAC_CTX_free(ctx); }
};
using HmacCtxPtr = std::unique_ptr<HMAC_CTX, HmacCtxDeleter>;

}  // namespace

// HMAC_CTX_free wipes the keyed inner/outer states.
struct PreparedHmac::State {
  HmacCtxPtr ctx;
  size_t tag_size = 0;
};

PreparedHmac::PreparedHmac(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
PreparedHmac::PreparedHmac(PreparedHmac&&) noexcept = default;
PreparedHmac& PreparedHmac::operator=(PreparedHmac&&) noexcept = default;
PreparedHmac::~PreparedHmac() = default;

absl::StatusOr<PreparedHmac> PreparedHmac::Create(
    Hash hash, absl::Span<const uint8_t> key) {
  const EVP_MD* md = Md(hash);
  auto state = std::make_unique<State>();
  state->ctx.reset(HMAC_CTX_new());
  state->tag_size = static_cast<size_t>(EVP_MD_size(md));
  KeyArg key_arg(md, key);
  if (state->ctx == nullptr || HMAC_Init_ex(state->ctx.get(), key_arg.data(),
                                            key_arg.len(), md, nullptr) != 1) {
    ERR_clear_error();
    return absl::InternalError("HMAC key setup failed");
  }
  return PreparedHmac(std::move(state));
}

size_t PreparedHmac::tag_size() const {
  return state_ == nullptr ? 0 : state_->tag_size;
}

void PreparedHmac::Sign(absl::Span<const absl::Span<const uint8_t>> parts,
                        absl::Span<uint8_t> out) const {
  if (state_ == nullptr) FatalBackendError("use of a moved-from HMAC key");
  if (out.size() != state_->tag_size) FatalBackendError("HMAC output size");
  // Copying the pre-keyed template is what makes concurrent const calls safe
  // and skips the per-message key schedule.
  HmacCtxPtr ctx(HMAC_CTX_new());
  if (ctx == nullptr || HMAC_CTX_copy(ctx.get(), state_->ctx.get()) != 1) {
    FatalBackendError("HMAC_CTX_copy");
  }
  for (absl::Span<const uint8_t> part : parts) {
    if (part.empty()) continue;
    if (HMAC_Update(ctx.get(), part.data(), part.size()) != 1) {
      FatalBackendError("HMAC_Update");
    }
  }
  unsigned int len = 0;
  if (HMAC_Final(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    FatalBackendError("HMAC_Final");
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
