#ifndef STS_COOKIE_COOKIE_SEALER_H_
#define STS_COOKIE_COOKIE_SEALER_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sts/cookie/cookie_contents.pb.h"
#include "sts/cookie/master_keyset.h"

namespace sts::cookie {

// Seals a context into a cookie and opens it again.
//
//   cookie = version (1 byte, 0x01) || master key id (4 bytes, big-endian)
//            || nonce (12 random bytes) || AES-256-GCM(contents) || tag (16)
//   AAD    = "sts.v1 cookie" || version || key id
//
// New cookies are sealed under the keyset's primary key; any key still in the
// keyset opens the cookies sealed under it. A cookie from an unknown or
// removed key id, or with any byte changed, does not open. Thread safe; the
// keyset can be swapped at any time (rotation).
class CookieSealer {
 public:
  explicit CookieSealer(std::shared_ptr<const MasterKeyset> keyset);

  void SetKeyset(std::shared_ptr<const MasterKeyset> keyset);
  std::shared_ptr<const MasterKeyset> keyset() const;

  absl::StatusOr<std::string> Seal(const CookieContents& contents) const;
  // The refusal never says which check failed.
  absl::StatusOr<CookieContents> Open(absl::string_view cookie) const;

 private:
  mutable std::mutex mu_;  // guards keyset_
  std::shared_ptr<const MasterKeyset> keyset_;
};

// Overwrites the key bytes a CookieContents holds.
void WipeKeys(CookieContents* contents);

}  // namespace sts::cookie

#endif  // STS_COOKIE_COOKIE_SEALER_H_
