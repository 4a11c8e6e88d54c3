// The master keyset the cookie fuzz target and its seed maker share: two
// fixed (test, never secret) 32-byte keys, ids 1 and 2, so that a cookie
// sealed once by make_seeds still opens whenever the target runs it.
#ifndef STS_TESTS_FUZZ_FIXED_KEYSET_H_
#define STS_TESTS_FUZZ_FIXED_KEYSET_H_

#include <memory>
#include <string>
#include <vector>

#include "sts/cookie/master_keyset.h"

namespace sts::fuzz {

// Key 1 primary (`rotated` false), or key 2 primary with key 1 still held
// (after a rotation).
std::shared_ptr<const cookie::MasterKeyset> FixedMasterKeyset(bool rotated);

// The raw bytes of both keys, for the check that no status shows them.
std::vector<std::string> FixedMasterKeys();

}  // namespace sts::fuzz

#endif  // STS_TESTS_FUZZ_FIXED_KEYSET_H_
