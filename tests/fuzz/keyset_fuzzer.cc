// The master keyset file parser (sts/cookie/master_keyset.h), as sts_server
// and sts_keyset read the file: MasterKeyset::Load (mode check,
// ReadKeysetFile's text-format parse, FromProto's validation), and the two
// steps on their own. The input is the file's text, written to a 0600
// scratch file (the loader's interface is a path).
//
// Checks: Load agrees with ReadKeysetFile + FromProto; no status and no
// protobuf log line repeats key hex the file holds (keys never reach a log);
// an accepted keyset has its primary among its keys and seals a cookie that
// it opens again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sts/cookie/cookie_contents.pb.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/cookie/master_keyset.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/scratch_file.h"

namespace sts::fuzz {
namespace {

void CheckAccepted(const cookie::MasterKeyset& keyset,
                   std::shared_ptr<const cookie::MasterKeyset> shared) {
  Require(keyset.size() > 0, "an accepted keyset has keys");
  Require(keyset.Find(keyset.primary_id()) == &keyset.primary(), "the primary is among the keys");
  Require(keyset.Find(0) == nullptr, "no key has id 0");
  cookie::CookieSealer sealer(std::move(shared));
  cookie::CookieContents contents;
  contents.set_identifier(std::string(16, '\x42'));
  contents.set_instance(1);
  contents.set_key(std::string(32, '\x17'));
  absl::StatusOr<std::string> sealed = sealer.Seal(contents);
  Require(sealed.ok(), "an accepted keyset seals", sealed.status());
  absl::StatusOr<cookie::CookieContents> opened = sealer.Open(*sealed);
  Require(opened.ok(), "a cookie sealed under the keyset opens", opened.status());
  Require(opened->SerializeAsString() == contents.SerializeAsString(),
          "a cookie opens to what was sealed");
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  static ScratchFile* file = new ScratchFile("keyset_fuzzer");
  file->Write(data, size);

  absl::StatusOr<cookie::MasterKeysetFile> proto = cookie::ReadKeysetFile(file->path());
  RequireNoHexFromInput(proto.status().message());
  absl::Status two_steps = proto.status();
  if (proto.ok()) {
    absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> keyset =
        cookie::MasterKeyset::FromProto(*proto);
    RequireNoHexFromInput(keyset.status().message());
    two_steps = keyset.status();
    if (keyset.ok()) CheckAccepted(**keyset, *keyset);
  }

  absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> loaded =
      cookie::MasterKeyset::Load(file->path());
  RequireNoHexFromInput(loaded.status().message());
  Require(loaded.ok() == two_steps.ok(), "Load agrees with ReadKeysetFile and FromProto",
          loaded.ok() ? two_steps : loaded.status());
  if (loaded.ok()) CheckAccepted(**loaded, *loaded);

  RequireNoHexFromInput(TakeProtobufLog());
  return 0;
}
