// Private to client/crypto. Terminates on a backend failure that no caller
// could handle (memory exhaustion, a broken crypto library) in functions whose
// contract has no status. `what` must be a fixed string: it is printed.
#ifndef STS_CLIENT_CRYPTO_FATAL_H_
#define STS_CLIENT_CRYPTO_FATAL_H_

namespace sts::crypto::internal {

[[noreturn]] void FatalBackendError(const char* what);

}  // namespace sts::crypto::internal

#endif  // STS_CLIENT_CRYPTO_FATAL_H_
