#ifndef STS_COOKIE_MASTER_KEYSET_H_
#define STS_COOKIE_MASTER_KEYSET_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/crypto/aead.h"
#include "client/crypto/bytes.h"
#include "sts/cookie/master_keyset.pb.h"

namespace sts::cookie {

inline constexpr size_t kMasterKeyBytes = 32;

// A loaded, validated master keyset: prepared AES-256-GCM keys by id, one of
// them primary. Immutable, so shared between threads freely; a reload makes a
// new one.
class MasterKeyset {
 public:
  // Parses and checks: at least one key, unique non-zero ids, 32-byte
  // secrets, the primary among them. The secrets never appear in an error.
  static absl::StatusOr<std::shared_ptr<const MasterKeyset>> FromProto(
      const MasterKeysetFile& proto);
  // Reads a keyset file (text format). Refuses a file others may read.
  static absl::StatusOr<std::shared_ptr<const MasterKeyset>> Load(const std::string& path);

  uint32_t primary_id() const { return primary_id_; }
  const crypto::AesGcmKey& primary() const { return *keys_.at(primary_id_); }
  // Null when no key has that id (never issued here, or removed).
  const crypto::AesGcmKey* Find(uint32_t id) const;
  size_t size() const { return keys_.size(); }
  // When the primary key was made; nullopt when its entry does not say.
  std::optional<absl::Time> primary_created() const { return primary_created_; }

 private:
  MasterKeyset() = default;
  uint32_t primary_id_ = 0;
  std::optional<absl::Time> primary_created_;
  std::map<uint32_t, std::unique_ptr<crypto::AesGcmKey>> keys_;
};

// Keyset file editing for the sts_keyset tool: all write the file 0600,
// atomically.
absl::Status WriteKeysetFile(const std::string& path, const MasterKeysetFile& keyset);
absl::StatusOr<MasterKeysetFile> ReadKeysetFile(const std::string& path);
// Adds a fresh random key (id = highest + 1), made at `now`; makes it
// primary if the keyset had none. Returns its id.
absl::StatusOr<uint32_t> AddRandomKey(MasterKeysetFile* keyset, absl::Time now = absl::Now());

}  // namespace sts::cookie

#endif  // STS_COOKIE_MASTER_KEYSET_H_
