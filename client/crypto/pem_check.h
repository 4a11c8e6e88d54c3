#ifndef STS_CLIENT_CRYPTO_PEM_CHECK_H_
#define STS_CLIENT_CRYPTO_PEM_CHECK_H_

// Checks of PEM material before a TLS stack is given it: a stack handed a
// file it cannot load fails every handshake, so whoever reloads certificates
// checks them here first and keeps the last good ones otherwise. Errors say
// what is wrong, never any byte of a key. Thread safe.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto {

// OK when `pem` holds at least one X.509 certificate and every PEM block in
// it is a certificate that parses (text outside the blocks is ignored).
absl::Status CheckCertificates(absl::string_view pem);

// OK when `chain_pem` passes CheckCertificates, `key_pem` holds a private
// key that parses, and the key is the private half of the chain's first
// (leaf) certificate.
absl::Status CheckKeyPair(absl::string_view chain_pem, absl::Span<const uint8_t> key_pem);

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_PEM_CHECK_H_
