// The properties every fuzz target checks on what the code under test
// returns, beyond "no crash, no sanitizer report". A violation aborts with a
// message, which libFuzzer and the seed driver both report as a failure.
//
//  - Every refusal carries its fault (client/wire/fault.h), as the project
//    promises: a status without one is a bug in the refusing code.
//  - No status message and no protobuf log line contains key material the
//    harness knows (raw, or as hex in either case) unless the input itself
//    carries it: libFuzzer learns the harness's own comparisons, so it does
//    plant key bytes in fields that refusals quote, and quoting the input
//    back is no leak.
//
// A target calls BeginInput first with the bytes it was given; the checks
// compare against them. Single-threaded, as libFuzzer runs a target.
#ifndef STS_TESTS_FUZZ_FUZZ_CHECKS_H_
#define STS_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::fuzz {

// Records the input the checks compare against, and starts capturing what
// protobuf logs (GOOGLE_LOG: e.g. its text parser's complaints, or invalid
// UTF-8 in a parsed string) instead of printing it; drops what was captured
// for the previous input.
void BeginInput(const uint8_t* data, size_t size);

// What protobuf logged since BeginInput.
std::string TakeProtobufLog();

// Prints `what` (and `status`, if not OK) and aborts.
[[noreturn]] void Fail(absl::string_view what, const absl::Status& status = absl::OkStatus());

// Aborts unless `condition`.
inline void Require(bool condition, absl::string_view what,
                    const absl::Status& status = absl::OkStatus()) {
  if (!condition) Fail(what, status);
}

// Aborts when `status` is a refusal without a fault.
void RequireFault(const absl::Status& status);

// Aborts when `text` holds 8 bytes of `secret` in a row (raw or as hex) that
// the input does not hold in the same form.
void RequireNoSecret(absl::string_view text, absl::Span<const uint8_t> secret);

// For parsers of files that hold keys as hex (the master keyset), where the
// input is the key material: aborts when `text` holds 16 or more hex digits
// in a row that also occur in the input, i.e. key hex the file gave it.
void RequireNoHexFromInput(absl::string_view text);

// With STS_FUZZ_TRACE=1 in the environment, prints `what` and `status` (the
// outcome of one step for one input), to see what a seed reaches; silent
// otherwise. Status messages never hold keys (RequireNoSecret).
void Trace(absl::string_view what, const absl::Status& status);

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_FUZZ_CHECKS_H_
