// The properties every fuzz target checks on what the code under test
// returns, beyond "no crash, no sanitizer report". A violation aborts with a
// message, which libFuzzer and the seed driver both report as a failure.
//
//  - Every refusal carries its fault (client/wire/fault.h), as the project
//    promises: a status without one is a bug in the refusing code.
//  - No status message ever contains key material the harness knows: the
//    raw bytes, or their hex in either case.
#ifndef STS_TESTS_FUZZ_FUZZ_CHECKS_H_
#define STS_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::fuzz {

// Prints `what` (and `status`, if not OK) and aborts.
[[noreturn]] void Fail(absl::string_view what, const absl::Status& status = absl::OkStatus());

// Aborts unless `condition`.
inline void Require(bool condition, absl::string_view what,
                    const absl::Status& status = absl::OkStatus()) {
  if (!condition) Fail(what, status);
}

// Aborts when `status` is a refusal without a fault.
void RequireFault(const absl::Status& status);

// Aborts when `text` holds `secret` (at least 8 bytes of it are compared, so
// short keys do not match by chance), raw or as hex.
void RequireNoSecret(absl::string_view text, absl::Span<const uint8_t> secret);

// Both checks on a status.
void RequireCleanRefusal(const absl::Status& status, absl::Span<const uint8_t> secret);

// For parsers of files that hold keys as hex (the master keyset): aborts when
// `text` (a status message, a log line) holds 16 or more hex digits in a row
// that also occur in `input`, i.e. key hex the file gave it.
void RequireNoHexFrom(absl::string_view text, absl::string_view input);

// What protobuf logs (GOOGLE_LOG: e.g. its text parser's complaints when no
// error collector is given), captured instead of printed, so that a target
// can check it. Installs itself on first use; one per process.
class ProtobufLogCapture {
 public:
  static ProtobufLogCapture& Get();
  // Everything logged since the last call.
  std::string Take();

 private:
  ProtobufLogCapture();
};

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_FUZZ_CHECKS_H_
