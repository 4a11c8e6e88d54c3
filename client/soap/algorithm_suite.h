// The WS-SecurityPolicy 1.2 algorithm suites that WCF-era peers use with
// security context tokens, and what each allows on the receiving side.
//
// From WS-SecurityPolicy 1.2 section 6.1 (checked against its table):
//   Basic256:       [Dig] SHA-1,   [Enc] AES-256 (CBC), [Sig KD] P_SHA1 L192,
//                   [Enc KD] P_SHA1 L256, [Sym Sig] HMAC-SHA1
//   Basic256Sha256: [Dig] SHA-256, [Enc] AES-256 (CBC), [Sig KD] P_SHA1 L192,
//                   [Enc KD] P_SHA1 L256
// so a derived signature key is 24 bytes and a derived encryption key 32
// bytes in both. For Basic256Sha256 the symmetric signature is HMAC-SHA256,
// as WCF's Basic256Sha256 signs (the spec's table keeps HmacSha1 as the one
// [Sym Sig]; a suite named for SHA-256 that accepted HMAC-SHA1 would be the
// downgrade the allow-list exists to stop).
//
// Contract: constant data, thread-safe.
#ifndef STS_CLIENT_SOAP_ALGORITHM_SUITE_H_
#define STS_CLIENT_SOAP_ALGORITHM_SUITE_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace sts::soap {

enum class AlgorithmSuite {
  kBasic256,
  kBasic256Sha256,  // the default
};

struct SuiteAlgorithms {
  absl::string_view name;              // "Basic256Sha256", the sp: assertion name
  absl::string_view signature_method;  // ds:SignatureMethod
  absl::string_view digest_method;     // ds:DigestMethod
  absl::string_view encryption;        // xenc:EncryptionMethod ([Enc], CBC)
  uint32_t signature_key_length;       // wsc:Length of a signature DerivedKeyToken
  uint32_t encryption_key_length;      // wsc:Length of an encryption DerivedKeyToken
};

const SuiteAlgorithms& AlgorithmsOf(AlgorithmSuite suite);

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_ALGORITHM_SUITE_H_
