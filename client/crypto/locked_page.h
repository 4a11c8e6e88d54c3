// One page for secret bytes that wait in memory before they are used (the
// per-thread buffer behind RandomSecretFill). Internal to the crypto module.
//
// The page is mapped on its own, so nothing else shares it, and:
//  - is excluded from core dumps (MADV_DONTDUMP);
//  - reads as zeros in a forked child (MADV_WIPEONFORK, Linux 4.14 and later),
//    so a child never holds its parent's pending bytes;
//  - is locked in RAM when RLIMIT_MEMLOCK allows, so it is never swapped out.
// Each of these is best effort: a kernel without it still gets the page, and
// the owner still wipes what it hands out. Wiped, then unmapped, on
// destruction. data() is null when the mapping itself failed.
#ifndef STS_CLIENT_CRYPTO_LOCKED_PAGE_H_
#define STS_CLIENT_CRYPTO_LOCKED_PAGE_H_

#include <cstddef>
#include <cstdint>

namespace sts::crypto {

class LockedPage {
 public:
  static constexpr size_t kSize = 4096;

  LockedPage();
  ~LockedPage();
  LockedPage(const LockedPage&) = delete;
  LockedPage& operator=(const LockedPage&) = delete;

  uint8_t* data() const { return bytes_; }

 private:
  uint8_t* bytes_ = nullptr;
  bool locked_ = false;
};

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_LOCKED_PAGE_H_
