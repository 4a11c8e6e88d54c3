#ifndef STS_CLIENT_WIRE_CANONICAL_H_
#define STS_CLIENT_WIRE_CANONICAL_H_

// Builds the byte strings that MACs are computed over. Every variable-length
// field is prefixed by its length as a 4-byte big-endian integer and every
// integer is fixed-width big-endian, so two different field lists can never
// encode to the same bytes. README.md documents the layouts built with it so
// that other languages can reproduce them.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::wire {

class CanonicalWriter {
 public:
  explicit CanonicalWriter(size_t reserve = 256) : out_(reserve, '\0') {}

  // Length-prefixed bytes: u32be(len) || bytes.
  CanonicalWriter& Bytes(absl::string_view bytes) {
    U32(static_cast<uint32_t>(bytes.size()));
    return Append(bytes.data(), bytes.size());
  }
  CanonicalWriter& Bytes(absl::Span<const uint8_t> bytes) {
    return Bytes(absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  // Fixed-width big-endian integers.
  CanonicalWriter& U32(uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    return Append(b, 4);
  }
  CanonicalWriter& I32(int32_t v) { return U32(static_cast<uint32_t>(v)); }
  CanonicalWriter& U64(uint64_t v) {
    U32(static_cast<uint32_t>(v >> 32));
    return U32(static_cast<uint32_t>(v));
  }
  CanonicalWriter& I64(int64_t v) { return U64(static_cast<uint64_t>(v)); }
  // Bytes of a known fixed length (a digest), without a prefix.
  CanonicalWriter& Raw(absl::Span<const uint8_t> bytes) {
    return Append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  absl::string_view bytes() const { return absl::string_view(out_.data(), size_); }
  std::string Release() {
    out_.resize(size_);
    return std::move(out_);
  }

 private:
  // The buffer is sized ahead and written with memcpy: encodings are built
  // on every message, and a std::string append per field costs more than
  // the field.
  CanonicalWriter& Append(const char* data, size_t n) {
    if (out_.size() - size_ < n) out_.resize(std::max(out_.size() * 2, size_ + n));
    if (n != 0) std::memcpy(&out_[size_], data, n);
    size_ += n;
    return *this;
  }

  std::string out_;
  size_t size_ = 0;
};

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_CANONICAL_H_
