#include "sts/server/tls_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/crypto/pem_check.h"
#include "client/crypto/secret_bytes.h"
#include "client/files.h"

namespace sts::server {
namespace {

constexpr char kCa[] = "client_ca.pem";
constexpr char kCert[] = "server.pem";
constexpr char kKey[] = "server.key";

// Identifies a version of a file: changes when it is replaced or rewritten.
std::string Signature(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return absl::StrCat(st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

std::string SignatureOf(const sts::config::TlsConfig& tls) {
  return absl::StrCat(Signature(tls.client_ca_file()), "|", Signature(tls.cert_file()), "|",
                      Signature(tls.key_file()));
}

absl::Status WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot write ", path));
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError(absl::StrCat("cannot write ", path));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return absl::OkStatus();
}

// Overwrites a staged file with zeros, then removes it.
void WipeAndRemove(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && st.st_size > 0) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      const std::vector<uint8_t> zeros(static_cast<size_t>(st.st_size), 0);
      ssize_t ignored = ::write(fd, zeros.data(), zeros.size());
      (void)ignored;
      ::close(fd);
    }
  }
  ::unlink(path.c_str());
}

std::string Generation(const std::string& dir, int n) { return absl::StrCat(dir, "/gen-", n); }

void RemoveGeneration(const std::string& dir, int n) {
  const std::string gen = Generation(dir, n);
  for (const char* name : {kCa, kCert, kKey}) WipeAndRemove(gen + "/" + name);
  ::rmdir(gen.c_str());
}

// A private directory for the copies: in memory (/dev/shm) where possible.
absl::StatusOr<std::string> MakeStageDir() {
  std::vector<std::string> bases = {"/dev/shm"};
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') bases.push_back(tmp);
  bases.push_back("/tmp");
  for (const std::string& base : bases) {
    std::string templ = base + "/sts-tls.XXXXXX";
    if (::mkdtemp(templ.data()) != nullptr) return templ;  // mode 0700
  }
  return absl::InternalError("cannot make a private directory for the TLS files");
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsFileStage>> TlsFileStage::Create(
    const sts::config::TlsConfig& tls) {
  std::unique_ptr<TlsFileStage> stage(new TlsFileStage(tls));
  absl::StatusOr<std::string> dir = MakeStageDir();
  if (!dir.ok()) return dir.status();
  stage->dir_ = *std::move(dir);
  std::lock_guard<std::mutex> lock(stage->mu_);
  stage->signature_ = SignatureOf(tls);
  std::string problems;
  if (absl::Status s = stage->Stage(&problems); !s.ok()) return s;
  return stage;
}

TlsFileStage::~TlsFileStage() {
  std::lock_guard<std::mutex> lock(mu_);
  ::unlink((dir_ + "/current").c_str());
  for (int n = std::max(1, generation_ - 1); n <= generation_; ++n) RemoveGeneration(dir_, n);
  ::rmdir(dir_.c_str());
}

sts::config::TlsConfig TlsFileStage::staged() const {
  sts::config::TlsConfig out = source_;
  out.set_client_ca_file(dir_ + "/current/" + kCa);
  out.set_cert_file(dir_ + "/current/" + kCert);
  out.set_key_file(dir_ + "/current/" + kKey);
  return out;
}

absl::Status TlsFileStage::Stage(std::string* problems) {
  // The client CAs and the server's pair are checked apart: a bad one keeps
  // its last good copy while the other moves on.
  const std::string current = dir_ + "/current/";
  absl::StatusOr<std::string> ca = ReadFile(source_.client_ca_file());
  absl::Status ca_check = ca.ok() ? crypto::CheckCertificates(*ca)
                                  : absl::NotFoundError("cannot be read");
  if (!ca_check.ok()) {
    absl::StrAppend(problems, "client CA file ", source_.client_ca_file(), ": ",
                    ca_check.message());
    if (generation_ == 0) return absl::Status(ca_check.code(), *problems);
    ca = ReadFile(current + kCa);
    if (!ca.ok()) return absl::InternalError("the staged client CA file is gone");
  }
  absl::StatusOr<std::string> cert = ReadFile(source_.cert_file());
  absl::StatusOr<crypto::SecretBytes> key = ReadSecretFile(source_.key_file());
  absl::Status pair_check = !cert.ok()  ? absl::NotFoundError("the certificate cannot be read")
                            : !key.ok() ? absl::NotFoundError("the key cannot be read")
                                        : crypto::CheckKeyPair(*cert, key->span());
  if (!pair_check.ok()) {
    absl::StrAppend(problems, problems->empty() ? "" : "; ", "server certificate ",
                    source_.cert_file(), " and key ", source_.key_file(), ": ",
                    pair_check.message());
    if (generation_ == 0) return absl::Status(pair_check.code(), *problems);
    if (!ca_check.ok()) return absl::InvalidArgumentError(*problems);  // nothing new to stage
    if (ReadFile(current + kCa).value_or("") == *ca) return absl::InvalidArgumentError(*problems);
    cert = ReadFile(current + kCert);
    key = ReadSecretFile(current + kKey);
    if (!cert.ok() || !key.ok()) return absl::InternalError("the staged server pair is gone");
  } else if (!ca_check.ok() && ReadFile(current + kCert).value_or("") == *cert) {
    absl::StatusOr<crypto::SecretBytes> staged_key = ReadSecretFile(current + kKey);
    if (staged_key.ok() && staged_key->size() == key->size() &&
        std::equal(key->data(), key->data() + key->size(), staged_key->data())) {
      return absl::InvalidArgumentError(*problems);  // nothing new to stage
    }
  }
  const int next = generation_ + 1;
  const std::string gen = Generation(dir_, next);
  if (::mkdir(gen.c_str(), 0700) != 0) return absl::InternalError("cannot stage the TLS files");
  absl::Status written = WriteFile(gen + "/" + kCa, reinterpret_cast<const uint8_t*>(ca->data()), ca->size());
  if (written.ok()) {
    written = WriteFile(gen + "/" + kCert, reinterpret_cast<const uint8_t*>(cert->data()), cert->size());
  }
  if (written.ok()) written = WriteFile(gen + "/" + kKey, key->data(), key->size());
  const std::string link = dir_ + "/current.new";
  ::unlink(link.c_str());
  if (!written.ok() || ::symlink(absl::StrCat("gen-", next).c_str(), link.c_str()) != 0 ||
      ::rename(link.c_str(), (dir_ + "/current").c_str()) != 0) {
    RemoveGeneration(dir_, next);
    return written.ok() ? absl::InternalError("cannot stage the TLS files") : written;
  }
  // The generation before the previous one: no reader can still be on it.
  if (generation_ >= 2) RemoveGeneration(dir_, generation_ - 1);
  generation_ = next;
  return absl::OkStatus();
}

bool TlsFileStage::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string signature = SignatureOf(source_);
  if (signature == signature_) return false;
  signature_ = signature;
  std::string problems;
  const absl::Status staged = Stage(&problems);
  if (!problems.empty() || !staged.ok()) {
    std::fprintf(stderr,
                 "sts_server: TLS files not reloaded: %s; new handshakes keep the last good "
                 "ones\n",
                 problems.empty() ? std::string(staged.message()).c_str() : problems.c_str());
  }
  if (!staged.ok()) return false;
  std::fprintf(stderr, "sts_server: TLS files reloaded%s\n",
               problems.empty() ? "" : " (the others, as far as they check)");
  return true;
}

}  // namespace sts::server
