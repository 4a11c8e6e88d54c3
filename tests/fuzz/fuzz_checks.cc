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
  if (secret.size() < 8) return;
  const absl::string_view raw(reinterpret_cast<const char*>(secret.data()), secret.size());
  // Any 8-byte window of the key: a reason quoting part of it leaks too.
  for (size_t i = 0; i + 8 <= raw.size(); i += 8) {
    const absl::string_view window = raw.substr(i, 8);
    const std::string hex = absl::BytesToHexString(window);
    if (absl::StrContains(text, window) || absl::StrContains(text, hex) ||
        absl::StrContains(text, absl::AsciiStrToUpper(hex))) {
      Fail("key material in a message");
    }
  }
}

void RequireCleanRefusal(const absl::Status& status, absl::Span<const uint8_t> secret) {
  RequireFault(status);
  RequireNoSecret(status.message(), secret);
}

void RequireNoHexFrom(absl::string_view text, absl::string_view input) {
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
      if (absl::StrContains(input, text.substr(i, kRun))) Fail("key hex from the input in a message");
    }
    start = end;
  }
}

namespace {

std::string& CapturedLog() {
  static std::string* log = new std::string();
  return *log;
}

void Capture(google::protobuf::LogLevel level, const char* filename, int line,
             const std::string& message) {
  CapturedLog().append(message).push_back('\n');
}

}  // namespace

ProtobufLogCapture::ProtobufLogCapture() { google::protobuf::SetLogHandler(&Capture); }

ProtobufLogCapture& ProtobufLogCapture::Get() {
  static ProtobufLogCapture* capture = new ProtobufLogCapture();
  return *capture;
}

std::string ProtobufLogCapture::Take() { return std::exchange(CapturedLog(), std::string()); }

}  // namespace sts::fuzz
