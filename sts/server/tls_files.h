#ifndef STS_SERVER_TLS_FILES_H_
#define STS_SERVER_TLS_FILES_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "sts/config/sts_config.pb.h"

namespace sts::server {

// The TLS files gRPC reads: checked copies of the configured ones.
//
// gRPC's certificate file watcher hands whatever the files hold to the TLS
// stack, so a single bad replacement (garbage, a key that is not the
// certificate's, a certificate written before its key) would make every
// new handshake fail until someone fixed the file. This class reads the
// configured files, checks them (crypto::CheckCertificates, CheckKeyPair)
// and only then gives them to gRPC: as a new generation of copies in a
// private directory (0700; under /dev/shm where it exists, so the key copy
// stays in memory), switched in with one atomic rename of a symlink, the
// previous generation kept until the next switch so a reader never finds a
// file missing. The client CAs and the server's certificate and key (a
// pair: staged together once they match) are checked apart; what does not
// check is not staged, serving goes on with its last good copy, and stderr
// says why, once per change.
//
// Thread safe. The destructor wipes and removes the copies.
class TlsFileStage {
 public:
  // Checks and stages the files `tls` names; an error names the file and
  // the problem when they do not check.
  static absl::StatusOr<std::unique_ptr<TlsFileStage>> Create(const sts::config::TlsConfig& tls);
  ~TlsFileStage();
  TlsFileStage(const TlsFileStage&) = delete;
  TlsFileStage& operator=(const TlsFileStage&) = delete;

  // The configuration gRPC's watcher is given: the staged copies' paths.
  sts::config::TlsConfig staged() const;

  // Stages the configured files again if any of them changed since the last
  // look and the set checks. Returns whether a new set was staged.
  bool Refresh();

 private:
  explicit TlsFileStage(const sts::config::TlsConfig& tls) : source_(tls) {}
  // Reads and checks the configured files and stages them as generation
  // `generation_ + 1`: the client CAs and the server's pair each as read if
  // they check, else as last staged (what did not check is said in
  // `*problems`). An error when nothing new could be staged; at the first
  // staging, when anything does not check.
  absl::Status Stage(std::string* problems);

  const sts::config::TlsConfig source_;
  std::string dir_;
  std::mutex mu_;
  int generation_ = 0;      // guarded by mu_
  std::string signature_;   // of the configured files at the last look; guarded by mu_
};

}  // namespace sts::server

#endif  // STS_SERVER_TLS_FILES_H_
