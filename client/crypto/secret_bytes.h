// SecretBytes: an owned buffer of key material.
//
// Contract:
//  - The bytes are wiped with SecureZero before their storage is released:
//    on destruction, on Clear(), and when a move-assignment replaces them.
//    Moving transfers the storage itself (no copy is left behind) and leaves
//    the source empty.
//  - Move-only. Copies are explicit (Clone) so every duplicate of a key is
//    visible in review.
//  - Deliberately not printable and not comparable with ==: there is no
//    operator<<, no AbslStringify and no operator==, so a key cannot reach a
//    log line or a test failure message by accident, and cannot be compared
//    with a timing leak. Compare with ConstantTimeEquals(a.span(), b.span()).
//  - Converts implicitly to absl::Span<const uint8_t> (it has data()/size()),
//    so it can be passed straight to the key-taking functions of this module.
//  - Thread-compatible: const methods may run concurrently; mutation needs
//    external synchronisation.
#ifndef STS_CLIENT_CRYPTO_SECRET_BYTES_H_
#define STS_CLIENT_CRYPTO_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace sts::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // n zero bytes, e.g. as the destination of RandomFill or a KDF.
  explicit SecretBytes(size_t n);

  static SecretBytes Copy(absl::Span<const uint8_t> bytes);
  static SecretBytes FromString(absl::string_view bytes);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  // A deep copy with its own storage.
  SecretBytes Clone() const;

  // Wipes and releases the bytes; size() becomes 0.
  void Clear();

  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  absl::Span<const uint8_t> span() const { return {data_.get(), size_}; }
  absl::Span<uint8_t> mutable_span() { return {data_.get(), size_}; }

  // Declared deleted, not merely absent, so that a generic overload elsewhere
  // can never make a SecretBytes printable or ==-comparable by accident.
  friend std::ostream& operator<<(std::ostream&, const SecretBytes&) = delete;
  template <typename Sink>
  friend void AbslStringify(Sink&, const SecretBytes&) = delete;
  friend bool operator==(const SecretBytes&, const SecretBytes&) = delete;
  friend bool operator!=(const SecretBytes&, const SecretBytes&) = delete;

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

}  // namespace sts::crypto

#endif  // STS_CLIENT_CRYPTO_SECRET_BYTES_H_
