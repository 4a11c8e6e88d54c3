// ScratchFile: one private temporary file (mode 0600) that a fuzz target
// rewrites with each input, for parsers whose interface is a path (the
// keyset and config loaders). In $TEST_TMPDIR under `bazel test`, else
// $TMPDIR or /tmp; removed when the object goes.
#ifndef STS_TESTS_FUZZ_SCRATCH_FILE_H_
#define STS_TESTS_FUZZ_SCRATCH_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace sts::fuzz {

class ScratchFile {
 public:
  // Aborts when no file can be made: the target cannot run without one.
  explicit ScratchFile(const std::string& stem);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content by `size` bytes at `data`.
  void Write(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_SCRATCH_FILE_H_
