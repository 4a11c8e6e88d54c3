#include "client/soap/wsu_time.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sts::soap {

std::string FormatWsuTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseWsuTime(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::Time t;
  std::string error;
  if (trimmed.size() > 40 ||
      !absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", std::string(trimmed), &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", trimmed.substr(0, 40), "\" is not an xsd:dateTime with a time zone"));
  }
  return t;
}

}  // namespace sts::soap
