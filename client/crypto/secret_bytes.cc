#include "client/crypto/secret_bytes.h"

#include <cstring>
#include <utility>

#include "client/crypto/constant_time.h"

namespace sts::crypto {

SecretBytes::SecretBytes(size_t n)
    : data_(n == 0 ? nullptr : new uint8_t[n]()), size_(n) {}

SecretBytes SecretBytes::Copy(absl::Span<const uint8_t> bytes) {
  SecretBytes out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data_.get(), bytes.data(), bytes.size());
  return out;
}

SecretBytes SecretBytes::FromString(absl::string_view bytes) {
  return Copy(absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { Clear(); }

SecretBytes SecretBytes::Clone() const { return Copy(span()); }

void SecretBytes::Clear() {
  if (data_ != nullptr) SecureZero(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace sts::crypto
