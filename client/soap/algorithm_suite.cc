#include "client/soap/algorithm_suite.h"

#include "client/soap/namespaces.h"

namespace sts::soap {

const SuiteAlgorithms& AlgorithmsOf(AlgorithmSuite suite) {
  static const SuiteAlgorithms kBasic256{"Basic256", kHmacSha1, kSha1, kAes256Cbc, 24, 32};
  static const SuiteAlgorithms kBasic256Sha256{"Basic256Sha256", kHmacSha256, kSha256, kAes256Cbc,
                                               24, 32};
  return suite == AlgorithmSuite::kBasic256 ? kBasic256 : kBasic256Sha256;
}

}  // namespace sts::soap
