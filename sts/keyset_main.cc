// sts_keyset: creates and rotates the master keyset of stateless contexts.
// It never prints a secret.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/core_dumps.h"
#include "sts/cookie/master_keyset.h"

namespace {

constexpr char kUsage[] = R"(sts_keyset: the master keyset that stateless (cookie) contexts are sealed under.

Usage:
  sts_keyset create FILE       a new keyset with one random primary key (FILE must not exist)
  sts_keyset add FILE          add a random key, not primary; prints its id
  sts_keyset promote FILE ID   make key ID the primary (new cookies are sealed under it)
  sts_keyset remove FILE ID    remove key ID (never the primary): its cookies stop opening
  sts_keyset list FILE         key ids and which is primary

Rotation with no downtime, replicas reading FILE (re-read within
stateless.keyset_check_interval, default 5s):
  1. sts_keyset add FILE        -> every replica can open cookies under the new key
  2. wait for every replica to reload, then  sts_keyset promote FILE NEW
  3. after tokens.max_lifetime, sts_keyset remove FILE OLD
The file holds secrets and is written 0600; sts_server refuses a keyset others can read.
)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "sts_keyset: %s\n", message.c_str());
  return 1;
}

bool ParseId(const char* text, uint32_t* id) { return absl::SimpleAtoi(text, id) && *id != 0; }

}  // namespace

int main(int argc, char** argv) {
  // The tool holds master keys while it edits the file.
  if (absl::Status s = sts::DisableCoreDumps(); !s.ok()) {
    std::fprintf(stderr, "sts_keyset: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  using sts::cookie::MasterKeysetFile;
  if (argc < 3) {
    std::fputs(kUsage, argc == 2 && std::string(argv[1]) == "--help" ? stdout : stderr);
    return argc == 2 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  const std::string command = argv[1];
  const std::string path = argv[2];
  MasterKeysetFile keyset;
  if (command == "create") {
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      std::fclose(f);
      return Fail(path + " exists; use add/promote/remove to change it");
    }
    absl::StatusOr<uint32_t> id = sts::cookie::AddRandomKey(&keyset);
    if (!id.ok()) return Fail(std::string(id.status().message()));
    if (absl::Status s = sts::cookie::WriteKeysetFile(path, keyset); !s.ok()) return Fail(std::string(s.message()));
    std::printf("created %s with primary key %u\n", path.c_str(), *id);
    return 0;
  }
  absl::StatusOr<MasterKeysetFile> loaded = sts::cookie::ReadKeysetFile(path);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  keyset = *std::move(loaded);
  if (command == "list") {
    for (const auto& key : keyset.key()) {
      const std::string created =
          key.created_unix_seconds() > 0
              ? absl::StrCat(", created ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                                            absl::FromUnixSeconds(key.created_unix_seconds()),
                                                            absl::UTCTimeZone()))
              : "";
      std::printf("key %u%s%s\n", key.id(), key.id() == keyset.primary_key_id() ? " (primary)" : "",
                  created.c_str());
    }
    return 0;
  }
  uint32_t id = 0;
  if (command == "add") {
    absl::StatusOr<uint32_t> added = sts::cookie::AddRandomKey(&keyset);
    if (!added.ok()) return Fail(std::string(added.status().message()));
    id = *added;
  } else if (command == "promote" || command == "remove") {
    if (argc < 4 || !ParseId(argv[3], &id)) return Fail(command + " needs a key id");
    int index = -1;
    for (int i = 0; i < keyset.key_size(); ++i) {
      if (keyset.key(i).id() == id) index = i;
    }
    if (index < 0) return Fail("no key " + std::to_string(id) + " in " + path);
    if (command == "promote") {
      keyset.set_primary_key_id(id);
    } else {
      if (id == keyset.primary_key_id()) return Fail("key " + std::to_string(id) + " is primary; promote another first");
      keyset.mutable_key()->erase(keyset.mutable_key()->begin() + index);
    }
  } else {
    return Fail("unknown command " + command + " (see sts_keyset --help)");
  }
  // Re-validate before writing, so a broken keyset never reaches replicas.
  if (absl::StatusOr<std::shared_ptr<const sts::cookie::MasterKeyset>> check =
          sts::cookie::MasterKeyset::FromProto(keyset);
      !check.ok()) {
    return Fail(std::string(check.status().message()));
  }
  if (absl::Status s = sts::cookie::WriteKeysetFile(path, keyset); !s.ok()) return Fail(std::string(s.message()));
  std::printf("%s key %u in %s\n", command == "add" ? "added" : command == "promote" ? "promoted" : "removed", id,
              path.c_str());
  return 0;
}
