// Internal to client/protect: the refusals and size limits message.h and
// message_view.h share, so a message and its view fail the same way.
#ifndef STS_CLIENT_PROTECT_CHECKS_H_
#define STS_CLIENT_PROTECT_CHECKS_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/wire/fault.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"

namespace sts::protect::internal {

inline constexpr size_t kMaxIdentifierBytes = 1024;
inline constexpr size_t kMaxInstanceBytes = 64;
inline constexpr size_t kMaxCookieBytes = 16 * 1024;
inline constexpr size_t kMaxAlgorithmBytes = 256;
inline constexpr size_t kMaxReceiverBytes = 1024;

inline absl::Status Malformed(absl::string_view reason) {
  return wire::Refuse(wire::Refusal::kMalformedRequest, reason);
}

inline absl::Status NotAuthentic() {
  return wire::Refuse(wire::Refusal::kBadProof, "the message does not authenticate");
}

// docs/PROTECTED_MESSAGE.md section 5, step 1: a tag longer than the
// primitive's is malformed; a shorter one is a truncation, which is an
// authentication failure (truncated tags are never accepted).
inline absl::Status CheckTagLength(absl::string_view tag, size_t expected) {
  if (tag.size() > expected) {
    return Malformed(absl::StrCat("the tag must be ", expected, " bytes; it has ", tag.size()));
  }
  if (tag.size() < expected) {
    return wire::Refuse(wire::Refusal::kBadProof,
                        absl::StrCat("the tag must be ", expected, " bytes (never truncated)"));
  }
  return absl::OkStatus();
}

// The token fields and receiver every message carries.
inline absl::Status CheckTokenShape(absl::string_view identifier, absl::string_view instance,
                                    absl::string_view cookie, absl::string_view receiver) {
  if (identifier.empty() || identifier.size() > kMaxIdentifierBytes) {
    return Malformed("the message names no context identifier (or an oversized one)");
  }
  if (instance.empty() || instance.size() > kMaxInstanceBytes) {
    return Malformed("the message names no key instance (or an oversized one)");
  }
  if (cookie.size() > kMaxCookieBytes) return Malformed("oversized context cookie");
  if (receiver.size() > kMaxReceiverBytes) return Malformed("oversized receiver");
  return absl::OkStatus();
}

// What an AEAD open failure (client/crypto/aead.h codes) means to the sender.
// OpenDetached has already wiped what it decrypted; every authentication
// failure is the same refusal.
inline absl::Status OpenFailure(const absl::Status& opened) {
  switch (opened.code()) {
    case absl::StatusCode::kDataLoss:
      return NotAuthentic();
    case absl::StatusCode::kInvalidArgument:
      return Malformed("the sealed message has a malformed nonce or ciphertext");
    default:
      return wire::Refuse(wire::Refusal::kInternal, "AEAD backend failure");
  }
}

inline bool HasUnknownFields(const google::protobuf::Message& m) {
  return !m.GetReflection()->GetUnknownFields(m).empty();
}

// A length prefix (canonical Bytes) for data passed as a separate MAC part.
inline std::array<uint8_t, 4> U32Be(size_t n) {
  const uint32_t v = static_cast<uint32_t>(n);
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

}  // namespace sts::protect::internal

#endif  // STS_CLIENT_PROTECT_CHECKS_H_
