// What a SOAP receiver found and checked in a wsse:Security header, in the
// order it processed it (WSS4J's "results" shape): which elements a
// signature covered and with which algorithms and key, what was decrypted,
// the timestamp. Receiver enforces its own policy (Body and Timestamp
// signed); callers check the rest of theirs (e.g. the principal) here.
#ifndef STS_CLIENT_SOAP_SECURITY_RESULTS_H_
#define STS_CLIENT_SOAP_SECURITY_RESULTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/soap/algorithm_suite.h"
#include "sts/v1/token.pb.h"

namespace sts::soap {

// The derived key a signature or decryption used (never its bytes).
struct DerivedKeyUse {
  sts::v1::SecurityContextToken source;  // identifier and the instance that resolved
  uint32_t length = 0;
  uint64_t start = 0;  // offset, or generation * length
  bool embedded_token = false;  // the SCT travelled in the message
};

struct TimestampResult {
  absl::Time created;
  std::optional<absl::Time> expires;
};

struct SignatureResult {
  AlgorithmSuite suite;
  std::string signature_method;
  std::string digest_method;
  // The wsu:Id of each element the signature covered, in reference order,
  // and the qualified names ("soap:Body", "wsu:Timestamp", "wsa:To").
  std::vector<std::string> signed_ids;
  std::vector<std::string> signed_elements;
  bool body_signed = false;
  bool timestamp_signed = false;
  DerivedKeyUse key;
};

struct DecryptionResult {
  std::string algorithm;  // xenc:EncryptionMethod
  std::string data_id;    // the EncryptedData's Id
  bool body_content = false;
  DerivedKeyUse key;
};

struct SecurityResults {
  std::optional<TimestampResult> timestamp;
  std::vector<SignatureResult> signatures;  // at most one today
  std::vector<DecryptionResult> decryptions;
  // "Timestamp", "SecurityContextToken", "DerivedKeyToken", "Signature",
  // "ReferenceList": the header's elements in processing order.
  std::vector<std::string> processed;
};

}  // namespace sts::soap

#endif  // STS_CLIENT_SOAP_SECURITY_RESULTS_H_
