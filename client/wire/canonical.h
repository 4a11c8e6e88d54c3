#ifndef STS_CLIENT_WIRE_CANONICAL_H_
#define STS_CLIENT_WIRE_CANONICAL_H_

// Builds the byte strings that MACs are computed over. Every variable-length
// field is prefixed by its length as a 4-byte big-endian integer and every
// integer is fixed-width big-endian, so two different field lists can never
// encode to the same bytes. README.md documents the layouts built with it so
// that other languages can reproduce them.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::wire {

class CanonicalWriter {
 public:
  explicit CanonicalWriter(size_t reserve = 256) { out_.reserve(reserve); }

  // Length-prefixed bytes: u32be(len) || bytes.
  CanonicalWriter& Bytes(absl::string_view bytes);
  CanonicalWriter& Bytes(absl::Span<const uint8_t> bytes);
  // Fixed-width big-endian integers.
  CanonicalWriter& U32(uint32_t v);
  CanonicalWriter& I32(int32_t v) { return U32(static_cast<uint32_t>(v)); }
  CanonicalWriter& U64(uint64_t v);
  CanonicalWriter& I64(int64_t v) { return U64(static_cast<uint64_t>(v)); }
  // Bytes of a known fixed length (a digest), without a prefix.
  CanonicalWriter& Raw(absl::Span<const uint8_t> bytes);

  const std::string& bytes() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_CANONICAL_H_
