// The WS-Trust RequestSecurityToken parser (client/soap/wstrust_xml.h):
// ParseRequestSecurityToken over a document from the wire (hardened XML
// parse, then the binding chosen by wst:RequestType: Issue, Renew, Cancel or
// Validate, in the 1.3 or the 2005/02 namespace, bare or in a SOAP Body), on
// a fake clock at the fixed time.
//
// Input: the document.
//
// Checks: every refusal is wst:InvalidRequest (the header's contract); a
// parsed request is the sts.v1 message of its binding, names that binding
// in request_type, and survives the wire: it serializes and parses back to
// an equal message (so its strings are valid UTF-8, as proto3 requires).
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "absl/cleanup/cleanup.h"
#include "client/clock.h"
#include "client/soap/wstrust_xml.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fuzz_checks.h"

namespace sts::fuzz {
namespace {

template <class Request>
void CheckWire(const Request& request, absl::string_view binding) {
  Require(request.request_type() == binding, "a parsed request names its binding");
  std::string bytes;
  Require(request.SerializeToString(&bytes), "a parsed request serializes");
  Request back;
  Require(back.ParseFromString(bytes), "a parsed request parses back from the wire");
  Require(google::protobuf::util::MessageDifferencer::Equals(back, request),
          "a parsed request survives the wire unchanged");
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  absl::Cleanup check_log = [] { Require(TakeProtobufLog().empty(), "protobuf complained"); };
  FakeClock clock(FixedNow());
  absl::StatusOr<soap::RequestSecurityToken> parsed = soap::ParseRequestSecurityToken(
      absl::string_view(reinterpret_cast<const char*>(data), size), &clock);
  Trace("parse", parsed.status());
  if (!parsed.ok()) {
    Require(wire::FaultNameOf(parsed.status()) == "wst:InvalidRequest",
            "an RST is refused as wst:InvalidRequest", parsed.status());
    return 0;
  }
  if (const auto* issue = std::get_if<sts::v1::IssueRequest>(&*parsed)) {
    CheckWire(*issue, wire::kRequestTypeIssue);
  } else if (const auto* renew = std::get_if<sts::v1::RenewRequest>(&*parsed)) {
    CheckWire(*renew, wire::kRequestTypeRenew);
    Require(!renew->has_proof(), "the XML carries no proof of possession");
  } else if (const auto* cancel = std::get_if<sts::v1::CancelRequest>(&*parsed)) {
    CheckWire(*cancel, wire::kRequestTypeCancel);
  } else {
    CheckWire(std::get<sts::v1::ValidateRequest>(*parsed), wire::kRequestTypeValidate);
  }
  return 0;
}
