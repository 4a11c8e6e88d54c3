#include "client/grpc/call_protection.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace sts::grpc_protect {
namespace {

using sts::v1::ProtectedMessage;
using wire::Refusal;
using wire::Refuse;

// The one value of `name`; NotFound if absent, InvalidRequest if repeated.
absl::Status One(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                 const char* name, absl::string_view* value) {
  auto range = metadata.equal_range(name);
  if (range.first == range.second) return absl::NotFoundError(name);
  if (std::next(range.first) != range.second) {
    return Refuse(Refusal::kMalformedRequest, absl::StrCat("repeated ", name, " metadata"));
  }
  *value = absl::string_view(range.first->second.data(), range.first->second.size());
  return absl::OkStatus();
}

}  // namespace

void SerializeDeterministically(const google::protobuf::MessageLite& request, std::string* out) {
  out->clear();
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  request.SerializeToCodedStream(&coded);
}

void AddMetadata(const ProtectedMessage& message,
                 std::multimap<std::string, std::string>* metadata) {
  metadata->emplace(kContextHeader, message.token().identifier());
  metadata->emplace(kInstanceHeader, message.token().instance());
  if (!message.token().cookie().empty()) {
    metadata->emplace(kCookieHeader, message.token().cookie());
  }
  metadata->emplace(kSequenceHeader, absl::StrCat(message.sequence()));
  metadata->emplace(kCreatedHeader, absl::StrCat(message.created_unix_nanos()));
  metadata->emplace(kMacHeader, message.tag());
  if (!message.receiver().empty()) metadata->emplace(kReceiverHeader, message.receiver());
}

absl::Status ViewFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    protect::MessageView* view) {
  absl::string_view identifier, instance, cookie, sequence, created, mac, receiver;
  absl::Status s = One(metadata, kContextHeader, &identifier);
  if (absl::IsNotFound(s)) {
    return Refuse(Refusal::kUnauthenticated,
                  "the call carries no sts-context metadata: it was not made through a "
                  "protected channel");
  }
  if (!s.ok()) return s;
  for (auto [name, value] : {std::pair{kInstanceHeader, &instance},
                             std::pair{kSequenceHeader, &sequence},
                             std::pair{kCreatedHeader, &created}, std::pair{kMacHeader, &mac}}) {
    s = One(metadata, name, value);
    if (absl::IsNotFound(s)) {
      return Refuse(Refusal::kMalformedRequest, absl::StrCat("missing ", name, " metadata"));
    }
    if (!s.ok()) return s;
  }
  for (auto [name, value] : {std::pair{kCookieHeader, &cookie},
                             std::pair{kReceiverHeader, &receiver}}) {
    s = One(metadata, name, value);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
  }

  uint64_t seq = 0;
  if (!absl::SimpleAtoi(sequence, &seq)) {
    return Refuse(Refusal::kMalformedRequest, "sts-seq is not a decimal number");
  }
  int64_t created_nanos = 0;
  if (!absl::SimpleAtoi(created, &created_nanos)) {
    return Refuse(Refusal::kMalformedRequest,
                  "sts-created must be nanoseconds since the Unix epoch, in decimal");
  }
  // The derivation is the view's implied one: HKDF-SHA256, length 32.
  *view = protect::MessageView();
  view->protection = ProtectedMessage::PROTECTION_SIGN;
  view->direction = protect::Direction::kClientToServer;
  view->identifier = identifier;
  view->instance = instance;
  view->cookie = cookie;
  view->sequence = seq;
  view->created_unix_nanos = created_nanos;
  view->receiver = receiver;
  view->tag = mac;
  return absl::OkStatus();
}

grpc::Status RefusalToGrpc(const absl::Status& refusal) {
  switch (refusal.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
      return wire::ToGrpcStatus(refusal);
    default:
      break;
  }
  // The call is unauthenticated whatever the reason; the fault says which.
  absl::Status unauthenticated(absl::StatusCode::kUnauthenticated, refusal.message());
  refusal.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    unauthenticated.SetPayload(url, payload);
  });
  return wire::ToGrpcStatus(unauthenticated);
}

}  // namespace sts::grpc_protect
