#include "client/wire/validation.h"

namespace sts::wire {
namespace {

constexpr struct {
  ValidationReason reason;
  absl::string_view text;
} kReasons[] = {
    {ValidationReason::kValid, "valid"},
    {ValidationReason::kUnknown, "unknown"},
    {ValidationReason::kExpired, "expired"},
    {ValidationReason::kCancelled, "cancelled"},
    {ValidationReason::kSuperseded, "superseded"},
};

}  // namespace

absl::string_view ReasonText(ValidationReason reason) {
  for (const auto& r : kReasons) {
    if (r.reason == reason) return r.text;
  }
  return "unknown";
}

std::optional<ValidationReason> ParseReason(absl::string_view text) {
  for (const auto& r : kReasons) {
    if (r.text == text) return r.reason;
  }
  return std::nullopt;
}

}  // namespace sts::wire
