#include "sts/server/redis_options.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/secret_bytes.h"
#include "client/crypto/tls_session.h"

namespace sts::server {
namespace {

constexpr size_t kMaxPasswordBytes = 4096;

absl::StatusOr<crypto::SecretBytes> ReadPassword(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("redis.password_file: cannot read ", path));
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("redis.password_file: ", path,
                                                   " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("redis.password_file: ", path,
                                                   " is readable by others; chmod 600 it"));
  }
  crypto::SecretBytes buffer(kMaxPasswordBytes + 1);
  size_t size = 0;
  while (size < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.mutable_span().data() + size, buffer.size() - size);
    if (n < 0) {
      return absl::InvalidArgumentError(absl::StrCat("redis.password_file: cannot read ", path));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (size > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat("redis.password_file: ", path,
                                                   " is longer than ", kMaxPasswordBytes,
                                                   " bytes"));
  }
  while (size > 0 && (buffer.data()[size - 1] == '\n' || buffer.data()[size - 1] == '\r')) --size;
  if (size == 0) {
    return absl::InvalidArgumentError(absl::StrCat("redis.password_file: ", path, " is empty"));
  }
  for (size_t i = 0; i < size; ++i) {
    if (buffer.data()[i] == '\n') {
      return absl::InvalidArgumentError(absl::StrCat("redis.password_file: ", path,
                                                     " holds more than one line"));
    }
  }
  return crypto::SecretBytes::Copy(buffer.span().first(size));
}

}  // namespace

absl::StatusOr<redis::RedisClient::Options> RedisOptionsFromConfig(
    const config::RedisConfig& config, absl::Duration timeout) {
  absl::StatusOr<redis::RedisClient::Options> options =
      redis::RedisClient::ParseAddress(config.address());
  if (!options.ok()) return options.status();
  options->timeout = timeout;
  if (!config.password_file().empty()) {
    absl::StatusOr<crypto::SecretBytes> password = ReadPassword(config.password_file());
    if (!password.ok()) return password.status();
    options->password = std::make_shared<const crypto::SecretBytes>(*std::move(password));
    options->username = config.username();
  }
  if (config.has_tls()) {
    crypto::TlsClientFiles files;
    files.ca_file = config.tls().ca_file();
    files.cert_file = config.tls().cert_file();
    files.key_file = config.tls().key_file();
    absl::StatusOr<std::shared_ptr<const crypto::TlsClientContext>> tls =
        crypto::TlsClientContext::Create(files);
    if (!tls.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("redis.tls: ", tls.status().message()));
    }
    options->tls = *std::move(tls);
    options->tls_server_name = config.tls().server_name();
  }
  return options;
}

}  // namespace sts::server
