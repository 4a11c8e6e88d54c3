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

// The largest serialization a thread keeps a RequestBuffer for.
constexpr size_t kKeptCapacity = 64 << 10;

struct ThreadBuffer {
  bool busy = false;
  std::string bytes;
};
thread_local ThreadBuffer thread_buffer;

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

RequestBuffer::RequestBuffer() {
  if (!thread_buffer.busy) {
    thread_buffer.busy = true;
    buffer_ = &thread_buffer.bytes;
  } else {
    own_ = std::make_unique<std::string>();
    buffer_ = own_.get();
  }
}

RequestBuffer::~RequestBuffer() {
  if (own_ != nullptr) return;
  // A rare large request does not pin its size to the thread.
  if (buffer_->capacity() > kKeptCapacity) std::string().swap(*buffer_);
  thread_buffer.busy = false;
}

void ForEachHeader(const protect::MessageView& view,
                   absl::FunctionRef<void(const char* name, absl::string_view value)> add) {
  add(kContextHeader, view.identifier);
  add(kInstanceHeader, view.instance);
  if (!view.cookie.empty()) add(kCookieHeader, view.cookie);
  // AlphaNum formats into its own buffer: no allocation for the numbers.
  add(kSequenceHeader, absl::AlphaNum(view.sequence).Piece());
  add(kCreatedHeader, absl::AlphaNum(view.created_unix_nanos).Piece());
  add(kMacHeader, view.tag);
  if (!view.receiver.empty()) add(kReceiverHeader, view.receiver);
}

void AddMetadata(const ProtectedMessage& message,
                 std::multimap<std::string, std::string>* metadata) {
  protect::MessageView view;
  view.identifier = message.token().identifier();
  view.instance = message.token().instance();
  view.cookie = message.token().cookie();
  view.sequence = message.sequence();
  view.created_unix_nanos = message.created_unix_nanos();
  view.tag = message.tag();
  view.receiver = message.receiver();
  ForEachHeader(view, [&](const char* name, absl::string_view value) {
    metadata->emplace(name, std::string(value));
  });
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
