#ifndef STS_CLIENT_CRYPTO_CERTIFICATE_H_
#define STS_CLIENT_CRYPTO_CERTIFICATE_H_

// What the STS reports about its own certificate (a metric, so expiry is
// alerted on before clients start failing their handshakes). Reading a
// certificate is parsing, not verification: nothing here says the chain is
// trusted. Thread safe (no state).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sts::crypto {

// The notAfter of the first certificate in `pem` (a PEM chain, leaf first,
// as tls.cert_file holds). InvalidArgument when `pem` holds no parsable
// certificate.
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view pem);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_CERTIFICATE_H_
