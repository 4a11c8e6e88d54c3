#ifndef STS_CLIENT_WIRE_PROOF_H_
#define STS_CLIENT_WIRE_PROOF_H_

// Proof of possession of a security context's key: how a Renew or Cancel
// request proves that its sender holds the key, shared by the client
// (which makes proofs) and the STS (which checks them), so both encode the
// same bytes. README.md "Proof of possession" specifies the same thing in
// words for other languages; tests/python reimplements it from there.
//
//   proof_key = HKDF-SHA256(ikm = context key, salt = "", info =
//               "sts.v1 proof-of-possession", 32 bytes)
//   mac       = HMAC-SHA256(proof_key, canonical input), full 32 bytes
//   canonical input (see canonical.h for the field encodings):
//     Bytes("sts.v1.ProofOfPossession") || Bytes(rpc method path)
//     || Bytes(identifier) || Bytes(instance)
//     || I64(created.seconds) || I32(created.nanos) || Bytes(nonce)
//     || Raw(request digest)
//   request digest = SHA-256 of the request, serialized deterministically
//                    with its `proof` field cleared.

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/crypto/constant_time.h"
#include "client/crypto/secret_bytes.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "sts/v1/proof.pb.h"
#include "sts/v1/sts.pb.h"

namespace sts::wire {

inline constexpr absl::string_view kRenewMethod = "/sts.v1.SecurityTokenService/Renew";
inline constexpr absl::string_view kCancelMethod = "/sts.v1.SecurityTokenService/Cancel";

inline constexpr size_t kMinProofNonceBytes = 16;
inline constexpr size_t kMaxProofNonceBytes = 64;

using Digest = std::array<uint8_t, 32>;

// SHA-256 over deterministic serialization bytes.
Digest DigestOfSerialized(absl::string_view bytes);

// SHA-256 over `serialized` (a message's deterministic serialization) less
// its top-level records of the message-typed field `field_number`: exactly
// the digest of the same message serialized with that field cleared, since a
// deterministic serialization is its fields' records in number order.
Digest DigestWithoutField(absl::string_view serialized, int field_number);

// The request digest: `Request` is any sts.v1 request with a `proof` field.
// (Serialized once, without a copy of the request; the proof's record is
// skipped while hashing.)
template <class Request>
Digest RequestDigest(const Request& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  const Digest digest = DigestWithoutField(bytes, Request::kProofFieldNumber);
  crypto::SecureZero(bytes.data(), bytes.size());  // it may carry the requestor's entropy
  return digest;
}

// What a proof's MAC covers, besides the request digest.
struct ProofSubject {
  absl::string_view method;      // e.g. kRenewMethod
  absl::string_view identifier;  // wsc:Identifier
  absl::string_view instance;    // wsc:Instance of the key used
};

// The key proofs are made with, derived from a context key.
absl::StatusOr<crypto::SecretBytes> DeriveProofKey(
    absl::Span<const uint8_t> context_key);

// The canonical input the MAC is computed over.
std::string CanonicalProofInput(const ProofSubject& subject,
                                const sts::v1::ProofOfPossession& proof,
                                const Digest& request_digest);

// Fills `proof` (instance, created, a fresh nonce, mac) for a request whose
// digest is `request_digest`, made with `context_key` at time `now`.
absl::Status MakeProof(const ProofSubject& subject,
                       absl::Span<const uint8_t> context_key, absl::Time now,
                       const Digest& request_digest,
                       sts::v1::ProofOfPossession* proof);

// The Renew / Cancel request a holder sends for `token` (identifier,
// instance of `key`, cookie if any), with its proof made at `now`. `base`
// may carry the renewal's lifetime, key size or entropy; its target and proof
// are replaced. The one place requests with proofs are made, for StsClient
// and every in-process caller.
absl::StatusOr<sts::v1::RenewRequest> MakeRenewRequest(const sts::v1::SecurityContextToken& token,
                                                       absl::Span<const uint8_t> key,
                                                       absl::Time now,
                                                       sts::v1::RenewRequest base = {});
absl::StatusOr<sts::v1::CancelRequest> MakeCancelRequest(
    const sts::v1::SecurityContextToken& token, absl::Span<const uint8_t> key, absl::Time now);

// Whether `proof.mac` is the MAC of this request under `context_key`.
// Compares in constant time; a MAC of any length but 32 bytes never matches.
// Checks nothing else (window, replay): that is the verifier's job.
bool ProofMacMatches(const ProofSubject& subject,
                     absl::Span<const uint8_t> context_key,
                     const sts::v1::ProofOfPossession& proof,
                     const Digest& request_digest);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_PROOF_H_
