#ifndef STS_CLIENT_WIRE_VALIDATION_H_
#define STS_CLIENT_WIRE_VALIDATION_H_

// The answers of Validate (wst:Status): a code, valid or invalid (uris.h,
// kStatusValid / kStatusInvalid), and a reason that says why, spelt the same
// by the STS and every client (ValidationStatus.reason on the wire).

#include <optional>

#include "absl/strings/string_view.h"

namespace sts::wire {

enum class ValidationReason {
  kValid,       // "valid": live; keys released to the owner and the audience
  kUnknown,     // "unknown": the STS knows no such context (never issued,
                // forgotten after retention, or lost in a restart)
  kExpired,     // "expired": past its lifetime; keys destroyed
  kCancelled,   // "cancelled": cancelled by its owner; keys destroyed
  kSuperseded,  // "superseded": a stateless token whose instance was renewed
                // and whose rollover window is over; the newer token is valid
};

// The wire spelling of `reason`.
absl::string_view ReasonText(ValidationReason reason);

// The reason a wire string names; nullopt for anything else (a newer STS may
// add reasons: treat them as invalid).
std::optional<ValidationReason> ParseReason(absl::string_view text);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_VALIDATION_H_
