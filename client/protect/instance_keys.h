// One instance (one key generation) of a security context, with its message
// keys prepared so that protecting or checking a message costs exactly one
// HMAC or one AES-GCM operation.
//
// Contract:
//  - Immutable after Create, except for the bounded P_SHA1 cache, which is
//    internally locked: every method is safe to call concurrently. Share
//    instances through std::shared_ptr<const InstanceKeys>.
//  - The four HKDF message keys (sign/encrypt x client-to-server/
//    server-to-client) are derived and prepared at Create, so the hot path
//    takes no lock and derives nothing.
//  - P_SHA1 (WS-SC DerivedKeyToken) keys are derived on first use and cached
//    by (purpose, label, nonce, start, length), at most kMaxPSha1Keys per
//    instance (the cache is emptied when full: a peer that sends a new nonce
//    per message costs itself a derivation per message, nothing more).
//  - Key material (the context key, the prepared keys) is wiped when the last
//    reference goes. Nothing here is printable.
#ifndef STS_CLIENT_PROTECT_INSTANCE_KEYS_H_
#define STS_CLIENT_PROTECT_INSTANCE_KEYS_H_

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/crypto/aead.h"
#include "client/crypto/hmac.h"
#include "client/crypto/secret_bytes.h"
#include "client/protect/derived_key.h"

namespace sts::protect {

// What a party knows about a context besides its keys. Shared by all the
// instances of one context as the party knows them.
struct ContextInfo {
  std::string identifier;  // wsc:Identifier
  std::string cookie;      // of a stateless context; empty otherwise
  std::string principal;   // the holder, as the STS authenticated it ("" if unknown)
  std::string applies_to;  // the audience it was issued for ("" if none)
};

class InstanceKeys {
 public:
  static constexpr size_t kMaxPSha1Keys = 32;

  // `key` is the context key of this instance (the Issue/Renew proof token,
  // or a key released by Validate). Refuses an empty key.
  static absl::StatusOr<std::shared_ptr<const InstanceKeys>> Create(
      std::shared_ptr<const ContextInfo> info, std::string instance, crypto::SecretBytes key);

  InstanceKeys(const InstanceKeys&) = delete;
  InstanceKeys& operator=(const InstanceKeys&) = delete;

  const ContextInfo& info() const { return *info_; }
  const std::shared_ptr<const ContextInfo>& shared_info() const { return info_; }
  const std::string& identifier() const { return info_->identifier; }
  const std::string& instance() const { return instance_; }

  // The context key itself, for proofs of possession (Renew, Cancel) only.
  absl::Span<const uint8_t> context_key() const { return key_.span(); }
  // Whether `other` is this instance's context key (constant time).
  bool HasContextKey(absl::Span<const uint8_t> other) const;

  // HKDF message keys.
  const crypto::HmacSha256Key& MacKey(Direction direction) const {
    return mac_[Index(direction)];
  }
  const crypto::AesGcmKey& AeadKey(Direction direction) const { return aead_[Index(direction)]; }
  // Fields 1-12 of the canonical header (message.h) of this instance's SIGN
  // and SEAL messages under the default derivation: the same bytes for every
  // such message, encoded once.
  const std::string& SignHeaderStart(Direction direction) const {
    return header_starts_[Index(direction)];
  }
  const std::string& SealHeaderStart(Direction direction) const {
    return header_starts_[2 + Index(direction)];
  }
  // MacKey(direction) with SignHeaderStart(direction) already absorbed, so
  // that a message hashes only the rest of its header.
  const crypto::HmacSha256Key& MacKeyAfterHeaderStart(Direction direction) const {
    return mac_after_header_start_[Index(direction)];
  }

  // WS-SC DerivedKeyToken keys, cached. Errors as DerivePSha1Key; an AEAD
  // key must also be 32 bytes long.
  absl::StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> PSha1MacKey(
      const DerivedKeyParams& params) const;
  absl::StatusOr<std::shared_ptr<const crypto::AesGcmKey>> PSha1AeadKey(
      const DerivedKeyParams& params) const;

  // The wsc:Nonce this party uses when it derives its own P_SHA1 keys for
  // (purpose, direction): random, fixed for the instance, so the receiver's
  // cache hits after the first message.
  const std::string& SenderNonce(Purpose purpose, Direction direction) const {
    return sender_nonces_[(purpose == Purpose::kSign ? 0 : 2) + Index(direction)];
  }

 private:
  struct PSha1Entry {
    std::shared_ptr<const crypto::HmacSha256Key> mac;
    std::shared_ptr<const crypto::AesGcmKey> aead;
  };

  InstanceKeys(std::shared_ptr<const ContextInfo> info, std::string instance,
               crypto::SecretBytes key, std::array<crypto::HmacSha256Key, 2> mac,
               std::array<crypto::HmacSha256Key, 2> mac_after_header_start,
               std::array<crypto::AesGcmKey, 2> aead, std::array<std::string, 4> nonces,
               std::array<std::string, 4> header_starts);

  static size_t Index(Direction direction) {
    return direction == Direction::kClientToServer ? 0 : 1;
  }

  const std::shared_ptr<const ContextInfo> info_;
  const std::string instance_;
  const crypto::SecretBytes key_;
  const std::array<crypto::HmacSha256Key, 2> mac_;
  const std::array<crypto::HmacSha256Key, 2> mac_after_header_start_;
  const std::array<crypto::AesGcmKey, 2> aead_;
  const std::array<std::string, 4> sender_nonces_;
  const std::array<std::string, 4> header_starts_;  // sign c2s, s2c; seal c2s, s2c

  mutable std::mutex psha1_mu_;
  mutable std::map<std::string, PSha1Entry> psha1_;  // guarded by psha1_mu_
};

}  // namespace sts::protect

#endif  // STS_CLIENT_PROTECT_INSTANCE_KEYS_H_
