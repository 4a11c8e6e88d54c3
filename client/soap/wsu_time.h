// xsd:dateTime as WS-Security's wsu:Created / wsu:Expires (and WS-Trust's
// Lifetime) write it: UTC, "Z", milliseconds.
#ifndef STS_CLIENT_SOAP_WSU_TIME_H_
#define STS_CLIENT_SOAP_WSU_TIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::soap {

// "2024-05-01T12:00:00.000Z".
std::string FormatWsuTime(absl::Time t);

// Reads an xsd:dateTime with a time zone ("Z" or +hh:mm); a value without one
// is refused, since its instant is undefined. InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseWsuTime(absl::string_view text);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_WSU_TIME_H_
