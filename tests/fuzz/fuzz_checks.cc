#include "tests/fuzz/fuzz_checks.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "client/wire/fault.h"
#include "google/protobuf/stubs/logging.h"

namespace sts::fuzz {
namespace {

absl::string_view current_input;

std::string& CapturedLog() {
  static std::string* log = new std::string();
  return *log;
}

void Capture(google::protobuf::LogLevel level, const char* filename, int line,
             const std::string& message) {
  CapturedLog().append(message).push_back('\n');
}

// In `text` but not in the input.
bool Planted(absl::string_view text, absl::string_view needle) {
  return absl::StrContains(text, needle) && !absl::StrContains(current_input, needle);
}

}  // namespace

void BeginInput(const uint8_t* data, size_t size) {
  static const bool installed = [] {
    google::protobuf::SetLogHandler(&Capture);
    return true;
  }();
  (void)installed;
  current_input = absl::string_view(reinterpret_cast<const char*>(data), size);
  CapturedLog().clear();
}

std::string TakeProtobufLog() { return std::exchange(CapturedLog(), std::string()); }

void Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!status.ok()) std::fprintf(stderr, "  status: %s\n", status.ToString().c_str());
  std::abort();
}

void RequireFault(const absl::Status& status) {
  if (!status.ok() && !wire::FaultOf(status).has_value()) {
    Fail("a refusal carries no fault", status);
  }
}

void RequireNoSecret(absl::string_view text, absl::Span<const uint8_t> secret) {
  const absl::string_view raw(reinterpret_cast<const char*>(secret.data()), secret.size());
  // Any 8-byte window of the key: a reason quoting part of it leaks too.
  for (size_t i = 0; i + 8 <= raw.size(); i += 8) {
    const absl::string_view window = raw.substr(i, 8);
    const std::string hex = absl::BytesToHexString(window);
    // Not printed: the message is the leak.
    if (Planted(text, window) || Planted(text, hex) || Planted(text, absl::AsciiStrToUpper(hex))) {
      Fail("key material in a message");
    }
  }
}

void RequireNoHexFromInput(absl::string_view text) {
  constexpr size_t kRun = 16;
  size_t start = 0;
  while (start < text.size()) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(text[start]))) {
      ++start;
      continue;
    }
    size_t end = start;
    while (end < text.size() && absl::ascii_isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    for (size_t i = start; end - i >= kRun; ++i) {
      if (absl::StrContains(current_input, text.substr(i, kRun))) {
        Fail("key hex from the input in a message");
      }
    }
    start = end;
  }
}

void Trace(absl::string_view what, const absl::Status& status) {
  static const bool enabled = [] {
    const char* v = std::getenv("STS_FUZZ_TRACE");
    return v != nullptr && std::string(v) == "1";
  }();
  if (enabled) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 status.ToString().c_str());
  }
}

}  // namespace sts::fuzz
