#include "client/wire/proof.h"

#include "client/crypto/bytes.h"
#include "client/crypto/digest.h"
#include "client/crypto/hmac.h"
#include "client/crypto/kdf.h"
#include "client/crypto/random.h"
#include "client/wire/canonical.h"
#include "client/wire/fault.h"
#include "client/wire/time.h"
#include "google/protobuf/wire_format_lite.h"

namespace sts::wire {
namespace {

using crypto::AsBytes;

constexpr absl::string_view kProofDomain = "sts.v1.ProofOfPossession";
constexpr absl::string_view kProofKeyInfo = "sts.v1 proof-of-possession";

}  // namespace

Digest DigestOfSerialized(absl::string_view bytes) {
  return crypto::Sha256(AsBytes(bytes));
}

Digest DigestWithoutField(absl::string_view serialized, int field_number) {
  using google::protobuf::internal::WireFormatLite;
  crypto::Sha256Hasher hasher;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(serialized.data()), static_cast<int>(serialized.size()));
  size_t record_start = 0;
  size_t kept_from = 0;  // start of the run of records hashed next
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;
    if (!WireFormatLite::SkipField(&input, tag)) break;  // not ours to judge: hash the rest
    const size_t record_end = static_cast<size_t>(input.CurrentPosition());
    if (WireFormatLite::GetTagFieldNumber(tag) == field_number &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      hasher.Update(serialized.substr(kept_from, record_start - kept_from));
      kept_from = record_end;
    }
    record_start = record_end;
  }
  hasher.Update(serialized.substr(kept_from));
  return hasher.Finish();
}

absl::StatusOr<crypto::SecretBytes> DeriveProofKey(
    absl::Span<const uint8_t> context_key) {
  return crypto::HkdfSha256(context_key, {}, kProofKeyInfo, 32);
}

std::string CanonicalProofInput(const ProofSubject& subject,
                                const sts::v1::ProofOfPossession& proof,
                                const Digest& request_digest) {
  CanonicalWriter w;
  w.Bytes(kProofDomain)
      .Bytes(subject.method)
      .Bytes(subject.identifier)
      .Bytes(subject.instance)
      .I64(proof.created().seconds())
      .I32(proof.created().nanos())
      .Bytes(proof.nonce())
      .Raw(request_digest);
  return w.Release();
}

absl::Status MakeProof(const ProofSubject& subject,
                       absl::Span<const uint8_t> context_key, absl::Time now,
                       const Digest& request_digest,
                       sts::v1::ProofOfPossession* proof) {
  absl::StatusOr<std::string> nonce = crypto::RandomBytes(kMinProofNonceBytes);
  if (!nonce.ok()) return nonce.status();
  proof->set_instance(std::string(subject.instance));
  SetTimestamp(now, proof->mutable_created());
  proof->set_nonce(*std::move(nonce));
  absl::StatusOr<crypto::SecretBytes> key = DeriveProofKey(context_key);
  if (!key.ok()) return key.status();
  absl::StatusOr<crypto::HmacSha256Key> mac_key =
      crypto::HmacSha256Key::Create(key->span());
  if (!mac_key.ok()) return mac_key.status();
  const std::string input = CanonicalProofInput(subject, *proof, request_digest);
  const auto mac = mac_key->Sign(AsBytes(input));
  proof->set_mac(reinterpret_cast<const char*>(mac.data()), mac.size());
  return absl::OkStatus();
}

absl::StatusOr<sts::v1::RenewRequest> MakeRenewRequest(const sts::v1::SecurityContextToken& token,
                                                       absl::Span<const uint8_t> key,
                                                       absl::Time now, sts::v1::RenewRequest base) {
  *base.mutable_renew_target() = token;
  base.clear_proof();
  if (absl::Status s = MakeProof({kRenewMethod, token.identifier(), token.instance()}, key, now,
                                 RequestDigest(base), base.mutable_proof());
      !s.ok()) {
    return s;
  }
  return base;
}

absl::StatusOr<sts::v1::CancelRequest> MakeCancelRequest(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key, absl::Time now) {
  sts::v1::CancelRequest request;
  *request.mutable_cancel_target() = token;
  if (absl::Status s = MakeProof({kCancelMethod, token.identifier(), token.instance()}, key, now,
                                 RequestDigest(request), request.mutable_proof());
      !s.ok()) {
    return s;
  }
  return request;
}

bool ProofMacMatches(const ProofSubject& subject,
                     absl::Span<const uint8_t> context_key,
                     const sts::v1::ProofOfPossession& proof,
                     const Digest& request_digest) {
  absl::StatusOr<crypto::SecretBytes> key = DeriveProofKey(context_key);
  if (!key.ok()) return false;
  absl::StatusOr<crypto::HmacSha256Key> mac_key =
      crypto::HmacSha256Key::Create(key->span());
  if (!mac_key.ok()) return false;
  const std::string input = CanonicalProofInput(subject, proof, request_digest);
  return mac_key->Verify(AsBytes(input), AsBytes(proof.mac()));
}

}  // namespace sts::wire
