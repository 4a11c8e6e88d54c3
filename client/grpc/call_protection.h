// How a unary gRPC call is protected under a security context: the call is
// the payload of a signed sts.v1.ProtectedMessage whose header travels in
// request metadata (docs/PROTECTED_MESSAGE.md section 6).
//
//   payload         = the request, serialized deterministically
//   associated data = the full method path, e.g. "/example.v1.Inventory/Reserve"
//   header          = protection SIGN, direction CLIENT_TO_SERVER,
//                     derivation HKDF-SHA256 (length 32), no AEAD nonce
//   metadata        sts-context      wsc:Identifier
//                   sts-instance     wsc:Instance
//                   sts-cookie-bin   the cookie of a stateless context (if any)
//                   sts-seq          sequence number, decimal
//                   sts-created      created_unix_nanos, decimal
//                   sts-mac-bin      the 32-byte HMAC-SHA256 tag
//                   sts-receiver     the principal the call is for (if any)
//
// Shared by the client side (call_signing.h) and the server-side wrapper;
// thread-safe.
#ifndef STS_CLIENT_GRPC_CALL_PROTECTION_H_
#define STS_CLIENT_GRPC_CALL_PROTECTION_H_

#include <map>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/protect/message_view.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"
#include "sts/v1/protected_message.pb.h"

namespace sts::grpc_protect {

inline constexpr char kContextHeader[] = "sts-context";
inline constexpr char kInstanceHeader[] = "sts-instance";
inline constexpr char kCookieHeader[] = "sts-cookie-bin";
inline constexpr char kSequenceHeader[] = "sts-seq";
inline constexpr char kCreatedHeader[] = "sts-created";
inline constexpr char kMacHeader[] = "sts-mac-bin";
inline constexpr char kReceiverHeader[] = "sts-receiver";

// Deterministic serialization of `request` into `out` (replacing it).
void SerializeDeterministically(const google::protobuf::MessageLite& request, std::string* out);

// A string for one request's serialization: the calling thread's own, which
// keeps its capacity between calls (so a call allocates nothing for it once
// the thread has handled one as large) unless it grew past 64 KiB, or a fresh
// one should the thread already be using its own.
class RequestBuffer {
 public:
  RequestBuffer();
  ~RequestBuffer();
  RequestBuffer(const RequestBuffer&) = delete;
  RequestBuffer& operator=(const RequestBuffer&) = delete;

  std::string* get() { return buffer_; }

 private:
  std::string* buffer_;
  std::unique_ptr<std::string> own_;
};

// Hands each metadata entry of a signed message (see above; view.tag is the
// tag) to `add`, in the order of the table.
void ForEachHeader(const protect::MessageView& view,
                   absl::FunctionRef<void(const char* name, absl::string_view value)> add);

// Adds the metadata of a signed message, e.g. one a test made by hand.
void AddMetadata(const sts::v1::ProtectedMessage& message,
                 std::multimap<std::string, std::string>* metadata);

// The signed message a call stands for, as a view into its metadata (which
// must outlive it; a call's does, for the handler's run): nothing is copied,
// and no sts.v1.ProtectedMessage is built. The payload is left for the
// caller to point at the request's serialization. wst:FailedAuthentication
// when the call carries no protection at all, wst:InvalidRequest when the
// headers are malformed.
absl::Status ViewFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    protect::MessageView* view);

// The status a server answers a refused call with: UNAUTHENTICATED, keeping
// the WS-Trust fault (e.g. wsc:BadContextToken) in the details, except for
// conditions a client should retry (UNAVAILABLE, RESOURCE_EXHAUSTED) and
// INTERNAL.
grpc::Status RefusalToGrpc(const absl::Status& refusal);

}  // namespace sts::grpc_protect

#endif  // STS_CLIENT_GRPC_CALL_PROTECTION_H_
