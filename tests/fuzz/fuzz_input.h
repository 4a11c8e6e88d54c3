// FuzzInput: reads a fuzz target's input as a little sequence of fields
// (selector bytes, lengths, byte strings) in the order the harness takes
// them. Past the end every read yields zeros or empty strings, so any input,
// however short, is a valid one: the harness never rejects what libFuzzer
// mutates, it only interprets it.
#ifndef STS_TESTS_FUZZ_FUZZ_INPUT_H_
#define STS_TESTS_FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sts::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Little-endian.
  uint16_t U16() { return static_cast<uint16_t>(Byte() | Byte() << 8); }
  // Up to `n` bytes (fewer at the end).
  absl::string_view Bytes(size_t n) {
    const absl::string_view out = rest_.substr(0, std::min(n, rest_.size()));
    rest_.remove_prefix(out.size());
    return out;
  }
  // A field written as U16 length then bytes.
  absl::string_view LengthPrefixed() { return Bytes(U16()); }
  absl::string_view Rest() { return Bytes(rest_.size()); }

 private:
  absl::string_view rest_;
};

// The writer the seed maker uses, the exact inverse of FuzzInput.
class FuzzInputWriter {
 public:
  FuzzInputWriter& Byte(uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  FuzzInputWriter& U16(uint16_t v) { return Byte(v & 0xff).Byte(v >> 8); }
  FuzzInputWriter& Bytes(absl::string_view bytes) {
    out_.append(bytes.data(), bytes.size());
    return *this;
  }
  FuzzInputWriter& LengthPrefixed(absl::string_view bytes) {
    return U16(static_cast<uint16_t>(bytes.size())).Bytes(bytes.substr(0, 0xffff));
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_FUZZ_INPUT_H_
