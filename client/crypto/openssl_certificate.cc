#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "client/crypto/certificate.h"

namespace sts::crypto {

absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (bio == nullptr) return absl::ResourceExhaustedError("cannot allocate a BIO");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("no PEM certificate found");
  }
  struct tm when = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &when) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the certificate's notAfter cannot be read");
  }
  return absl::FromUnixSeconds(static_cast<int64_t>(timegm(&when)));
}

}  // namespace sts::crypto
