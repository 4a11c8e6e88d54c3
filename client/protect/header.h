// Internal to client/protect: the canonical header of a protected message
// (message.h has the layout) as flat fields, encoded into memory the caller
// sized exactly. Both the sts.v1.ProtectedMessage API (message.h) and the
// view API (message_view.h) encode through here, so there is one encoding.
//
// Fields 1-12 (the start) are the same for every message of one context
// instance, protection, direction and derivation; InstanceKeys keeps them
// pre-encoded for the default derivation. Fields 13-17 (the end) change per
// message.
#ifndef STS_CLIENT_PROTECT_HEADER_H_
#define STS_CLIENT_PROTECT_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "client/protect/derived_key.h"
#include "client/protect/message.h"

namespace sts::protect::internal {

struct HeaderFields {
  // Fields 1-12.
  uint32_t protection = 0;  // sts.v1.ProtectedMessage.Protection
  uint32_t direction = 0;   // sts.v1.ProtectedMessage.Direction
  absl::string_view identifier;
  absl::string_view instance;
  absl::string_view cookie;
  absl::string_view algorithm;
  absl::string_view label;
  absl::string_view nonce;
  uint32_t start_kind = 0;  // 0 none, 1 offset, 2 generation
  uint64_t start_value = 0;
  uint32_t length = 0;
  // Fields 13-17; the receiver is written only when it is not empty.
  uint64_t sequence = 0;
  int64_t created_unix_nanos = 0;
  absl::string_view aead_nonce;
  absl::string_view associated_data;
  absl::string_view receiver;
};

// The start of a header under the default derivation (HKDF-SHA256, length 32).
inline HeaderFields HkdfHeaderFields(uint32_t protection, Direction direction,
                                     absl::string_view identifier, absl::string_view instance,
                                     absl::string_view cookie) {
  HeaderFields f;
  f.protection = protection;
  f.direction = direction == Direction::kClientToServer ? 1 : 2;
  f.identifier = identifier;
  f.instance = instance;
  f.cookie = cookie;
  f.algorithm = kHkdfSha256Derivation;
  f.length = 32;
  return f;
}

inline size_t HeaderStartSize(const HeaderFields& f) {
  // Seven length-prefixed fields, five fixed-width integers.
  return 7 * 4 + kProtectedMessageDomain.size() + f.identifier.size() + f.instance.size() +
         f.cookie.size() + f.algorithm.size() + f.label.size() + f.nonce.size() + 4 + 4 + 4 +
         8 + 4;
}

inline size_t HeaderEndSize(const HeaderFields& f) {
  return 8 + 8 + 4 + f.aead_nonce.size() + 4 + f.associated_data.size() +
         (f.receiver.empty() ? 0 : 4 + f.receiver.size());
}

// Writes canonical fields (client/wire/canonical.h's encoding) into memory
// sized ahead. Overrunning it is a bug in the size functions above, and stops
// the process rather than write past the buffer.
class SpanWriter {
 public:
  SpanWriter(char* out, size_t size) : p_(out), end_(out + size) {}

  SpanWriter& Bytes(absl::string_view bytes) {
    U32(static_cast<uint32_t>(bytes.size()));
    return Put(bytes.data(), bytes.size());
  }
  SpanWriter& U32(uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    return Put(b, 4);
  }
  SpanWriter& U64(uint64_t v) {
    U32(static_cast<uint32_t>(v >> 32));
    return U32(static_cast<uint32_t>(v));
  }
  SpanWriter& I64(int64_t v) { return U64(static_cast<uint64_t>(v)); }
  SpanWriter& Raw(absl::string_view bytes) { return Put(bytes.data(), bytes.size()); }

  size_t left() const { return static_cast<size_t>(end_ - p_); }

 private:
  SpanWriter& Put(const char* data, size_t n) {
    if (n > left()) std::abort();
    if (n != 0) std::memcpy(p_, data, n);
    p_ += n;
    return *this;
  }

  char* p_;
  char* const end_;
};

inline void WriteHeaderStart(const HeaderFields& f, SpanWriter& w) {
  w.Bytes(kProtectedMessageDomain)
      .U32(f.protection)
      .U32(f.direction)
      .Bytes(f.identifier)
      .Bytes(f.instance)
      .Bytes(f.cookie)
      .Bytes(f.algorithm)
      .Bytes(f.label)
      .Bytes(f.nonce)
      .U32(f.start_kind)
      .U64(f.start_value)
      .U32(f.length);
}

// Field 17, the receiver, only when there is one: messages without it keep
// the bytes they always had, and the two forms never coincide (the header
// with a receiver is longer by Bytes(receiver), and every field before it is
// length-prefixed or fixed).
inline void WriteHeaderEnd(const HeaderFields& f, SpanWriter& w) {
  w.U64(f.sequence).I64(f.created_unix_nanos).Bytes(f.aead_nonce).Bytes(f.associated_data);
  if (!f.receiver.empty()) w.Bytes(f.receiver);
}

// Header bytes on the stack for the usual sizes (a header with a short
// cookie and method name is ~200 bytes), on the heap beyond.
using HeaderBuffer = absl::InlinedVector<char, 512>;

inline absl::string_view EncodeHeaderStart(const HeaderFields& f, HeaderBuffer& out) {
  out.resize(HeaderStartSize(f));
  SpanWriter w(out.data(), out.size());
  WriteHeaderStart(f, w);
  return absl::string_view(out.data(), out.size());
}

inline absl::string_view EncodeHeaderEnd(const HeaderFields& f, HeaderBuffer& out) {
  out.resize(HeaderEndSize(f));
  SpanWriter w(out.data(), out.size());
  WriteHeaderEnd(f, w);
  return absl::string_view(out.data(), out.size());
}

// The whole header; `start`, when given, is fields 1-12 already encoded.
inline absl::string_view EncodeHeader(const HeaderFields& f, HeaderBuffer& out,
                                      absl::string_view start = {}) {
  const size_t start_size = start.empty() ? HeaderStartSize(f) : start.size();
  out.resize(start_size + HeaderEndSize(f));
  SpanWriter w(out.data(), out.size());
  if (start.empty()) {
    WriteHeaderStart(f, w);
  } else {
    w.Raw(start);
  }
  WriteHeaderEnd(f, w);
  return absl::string_view(out.data(), out.size());
}

inline std::string HeaderStartString(const HeaderFields& f) {
  HeaderBuffer buffer;
  return std::string(EncodeHeaderStart(f, buffer));
}

}  // namespace sts::protect::internal

#endif  // STS_CLIENT_PROTECT_HEADER_H_
