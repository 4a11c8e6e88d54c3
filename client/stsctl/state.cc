#include "client/stsctl/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "client/files.h"
#include "client/crypto/constant_time.h"

namespace sts::stsctl {

std::string DefaultStatePath() {
  if (const char* env = std::getenv("STSCTL_STATE"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.stsctl/context");
}

absl::Status SaveContext(const std::string& path,
                         const sts::v1::RequestSecurityTokenResponse& context) {
  if (const size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", std::strerror(errno)));
    }
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  ::fchmod(fd, 0600);  // an existing file keeps its mode through O_CREAT
  std::string bytes = context.SerializeAsString();
  const bool written = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  crypto::SecureZero(bytes.data(), bytes.size());
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<sts::v1::RequestSecurityTokenResponse> LoadContext(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) {
    return absl::NotFoundError(
        absl::StrCat("no stored context at ", path, "; run `stsctl issue` first or pass --state"));
  }
  sts::v1::RequestSecurityTokenResponse context;
  const bool parsed = context.ParseFromString(*bytes);
  crypto::SecureZero(bytes->data(), bytes->size());
  if (!parsed) return absl::DataLossError(absl::StrCat(path, " is not an stsctl context file"));
  return context;
}

}  // namespace sts::stsctl
