#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/crypto/pem_check.h"

namespace sts::crypto {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;

// An encrypted key is refused rather than asked for: OpenSSL's default
// callback would prompt on the terminal, and gRPC could not load it anyway.
int NoPassphrase(char*, int, int, void*) { return -1; }

Bio MemoryBio(const void* data, size_t size) {
  return Bio(BIO_new_mem_buf(data, static_cast<int>(size)));
}

// Whether the error that ended a PEM read loop is the end of the input (no
// further BEGIN line), as opposed to a block that did not parse. Empties
// the thread's error queue either way: a stale entry would be misread by
// the next OpenSSL user on this thread (gRPC's TLS stack).
bool EndedCleanly() {
  const unsigned long last = ERR_peek_last_error();
  ERR_clear_error();
  return ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
}

// The certificates of `pem`, in order; an error if any block does not parse.
absl::Status ReadCertificates(absl::string_view pem, Cert* leaf, int* count) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) return absl::InvalidArgumentError("too large");
  Bio bio = MemoryBio(pem.data(), pem.size());
  if (bio == nullptr) return absl::InternalError("out of memory");
  ERR_clear_error();
  *count = 0;
  while (true) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (cert == nullptr) break;
    if (*count == 0 && leaf != nullptr) *leaf = std::move(cert);
    ++*count;
  }
  if (!EndedCleanly()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a PEM block after certificate ", *count, " is not a certificate that parses"));
  }
  if (*count == 0) return absl::InvalidArgumentError("no PEM certificate in it");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCertificates(absl::string_view pem) {
  int count = 0;
  return ReadCertificates(pem, nullptr, &count);
}

absl::Status CheckKeyPair(absl::string_view chain_pem, absl::Span<const uint8_t> key_pem) {
  Cert leaf;
  int count = 0;
  if (absl::Status s = ReadCertificates(chain_pem, &leaf, &count); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("certificate chain: ", s.message()));
  }
  if (key_pem.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("private key: too large");
  }
  Bio bio = MemoryBio(key_pem.data(), key_pem.size());
  if (bio == nullptr) return absl::InternalError("out of memory");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr) return absl::InvalidArgumentError("private key: no PEM private key that parses");
  const bool matches = X509_check_private_key(leaf.get(), key.get()) == 1;
  ERR_clear_error();
  if (!matches) {
    return absl::InvalidArgumentError(
        "the private key is not the key of the chain's first certificate");
  }
  return absl::OkStatus();
}

}  // namespace sts::crypto
