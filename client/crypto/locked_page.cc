#include "client/crypto/locked_page.h"

#include <sys/mman.h>

#include "client/crypto/constant_time.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18  // Linux 4.14; older headers lack the name
#endif

namespace sts::crypto {

LockedPage::LockedPage() {
  void* page = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return;
  bytes_ = static_cast<uint8_t*>(page);
  madvise(page, kSize, MADV_DONTDUMP);
  madvise(page, kSize, MADV_WIPEONFORK);
  locked_ = mlock(page, kSize) == 0;
}

LockedPage::~LockedPage() {
  if (bytes_ == nullptr) return;
  SecureZero(bytes_, kSize);
  if (locked_) munlock(bytes_, kSize);
  munmap(bytes_, kSize);
}

}  // namespace sts::crypto
