#include "client/wire/canonical.h"

namespace sts::wire {

CanonicalWriter& CanonicalWriter::U32(uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out_.append(b, 4);
  return *this;
}

CanonicalWriter& CanonicalWriter::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  return U32(static_cast<uint32_t>(v));
}

CanonicalWriter& CanonicalWriter::Bytes(absl::string_view bytes) {
  U32(static_cast<uint32_t>(bytes.size()));
  out_.append(bytes.data(), bytes.size());
  return *this;
}

CanonicalWriter& CanonicalWriter::Bytes(absl::Span<const uint8_t> bytes) {
  return Bytes(absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                                 bytes.size()));
}

CanonicalWriter& CanonicalWriter::Raw(absl::Span<const uint8_t> bytes) {
  out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return *this;
}

}  // namespace sts::wire
