#include "tests/fuzz/fixed_keyset.h"

#include <cstdlib>

#include "absl/strings/escaping.h"

namespace sts::fuzz {
namespace {

constexpr char kKey1Hex[] = "3c1d9e0f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d";
constexpr char kKey2Hex[] = "d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f";

}  // namespace

std::shared_ptr<const cookie::MasterKeyset> FixedMasterKeyset(bool rotated) {
  cookie::MasterKeysetFile file;
  cookie::MasterKeyEntry* one = file.add_key();
  one->set_id(1);
  one->set_secret_hex(kKey1Hex);
  if (rotated) {
    cookie::MasterKeyEntry* two = file.add_key();
    two->set_id(2);
    two->set_secret_hex(kKey2Hex);
  }
  file.set_primary_key_id(rotated ? 2 : 1);
  absl::StatusOr<std::shared_ptr<const cookie::MasterKeyset>> keyset =
      cookie::MasterKeyset::FromProto(file);
  if (!keyset.ok()) std::abort();  // fixed, valid input
  return *std::move(keyset);
}

std::vector<std::string> FixedMasterKeys() {
  return {absl::HexStringToBytes(kKey1Hex), absl::HexStringToBytes(kKey2Hex)};
}

}  // namespace sts::fuzz
