#include "client/stsctl/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crypto/bytes.h"
#include "client/crypto/constant_time.h"
#include "client/files.h"
#include "client/stsctl/state.pb.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"

namespace sts::stsctl {
namespace {

constexpr char kFormat[] = "stsctl-state-2";

void Wipe(std::string* secret) {
  crypto::SecureZero(secret->data(), secret->size());
  secret->clear();
}

// The key fields of an RSTR as stsctl stores it.
void WipeProofToken(sts::v1::RequestSecurityTokenResponse* response) {
  if (response->requested_proof_token().has_binary_secret()) {
    Wipe(response->mutable_requested_proof_token()->mutable_binary_secret()->mutable_value());
  }
  response->clear_requested_proof_token();
}

// A state file's bytes wiped as they go.
struct WipedFile {
  file::StateFile file;
  ~WipedFile() {
    Wipe(file.mutable_current());
    for (file::PreviousKey& p : *file.mutable_previous()) Wipe(p.mutable_key());
  }
};

}  // namespace

StoredContext::~StoredContext() { WipeProofToken(&current); }

void Supersede(StoredContext& stored, sts::v1::RequestSecurityTokenResponse next, absl::Time now) {
  const std::string& old_key = stored.current.requested_proof_token().binary_secret().value();
  PreviousInstance old{stored.current.requested_security_token().instance(),
                       crypto::SecretBytes::FromString(old_key),
                       std::min(wire::TimeOf(stored.current.lifetime().expires()),
                                now + kRolloverWindow)};
  WipeProofToken(&stored.current);
  stored.current = std::move(next);
  stored.previous.insert(stored.previous.begin(), std::move(old));
  stored.previous.erase(std::remove_if(stored.previous.begin(), stored.previous.end(),
                                       [now](const PreviousInstance& p) {
                                         return p.accept_until <= now || p.key.empty();
                                       }),
                        stored.previous.end());
  while (stored.previous.size() > kMaxPreviousInstances) stored.previous.pop_back();
}

void MarkCancelled(StoredContext& stored) {
  WipeProofToken(&stored.current);
  stored.previous.clear();  // SecretBytes wipe themselves
  stored.cancelled = true;
}

absl::Status CheckNotCancelled(const StoredContext& stored) {
  if (!stored.cancelled) return absl::OkStatus();
  return wire::Refuse(wire::Refusal::kCancelledContext,
                      absl::StrCat("the remembered context ",
                                   stored.current.requested_security_token().identifier(),
                                   " was cancelled and its keys destroyed; run `stsctl issue` "
                                   "for a new one"));
}

std::string DefaultStatePath() {
  if (const char* env = std::getenv("STSCTL_STATE"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.stsctl/context");
}

absl::Status SaveState(const std::string& path, const StoredContext& stored) {
  if (const size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot create ", dir, ": ", std::strerror(errno)));
    }
  }
  WipedFile out;
  out.file.set_format(kFormat);
  stored.current.SerializeToString(out.file.mutable_current());
  for (const PreviousInstance& p : stored.previous) {
    file::PreviousKey* entry = out.file.add_previous();
    entry->set_instance(p.instance);
    entry->set_key(reinterpret_cast<const char*>(p.key.data()), p.key.size());
    entry->set_accept_until_unix_micros(absl::ToUnixMicros(p.accept_until));
  }
  out.file.set_cancelled(stored.cancelled);

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  std::string bytes = out.file.SerializeAsString();
  const bool written =
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  Wipe(&bytes);
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredContext> LoadState(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) {
    return absl::NotFoundError(
        absl::StrCat("no stored context at ", path, "; run `stsctl issue` first or pass --state"));
  }
  const absl::Status corrupt =
      absl::DataLossError(absl::StrCat(path, " is not an stsctl context file"));
  WipedFile in;
  const bool parsed = in.file.ParseFromString(*bytes);
  StoredContext stored;
  if (parsed && in.file.format() == kFormat) {
    if (!stored.current.ParseFromString(in.file.current())) {
      Wipe(&*bytes);
      return corrupt;
    }
    for (const file::PreviousKey& p : in.file.previous()) {
      stored.previous.push_back({p.instance(), crypto::SecretBytes::FromString(p.key()),
                                 absl::FromUnixMicros(p.accept_until_unix_micros())});
    }
    stored.cancelled = in.file.cancelled();
  } else if (!stored.current.ParseFromString(*bytes)) {  // the earlier format
    Wipe(&*bytes);
    return corrupt;
  }
  Wipe(&*bytes);
  if (stored.current.requested_security_token().identifier().empty()) return corrupt;
  return stored;
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> LoadContext(const std::string& path) {
  absl::StatusOr<StoredContext> stored = LoadState(path);
  if (!stored.ok()) return stored.status();
  return stored->current;
}

}  // namespace sts::stsctl
