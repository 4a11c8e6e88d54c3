#include "client/wire/grpc_status.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "client/wire/fault.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"
#include "sts/v1/fault.pb.h"

namespace sts::wire {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::optional<sts::v1::Fault> fault = FaultOf(status);
  if (!fault.has_value()) {
    return ToGrpcStatus(Refuse(Refusal::kInternal, status.message()));
  }
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(std::string(status.message()));
  google::protobuf::Any* any = rich.add_details();
  any->set_type_url(std::string(kFaultTypeUrl));
  any->set_value(fault->SerializeAsString());
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), rich.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status rich;
  if (!status.error_details().empty() &&
      rich.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : rich.details()) {
      sts::v1::Fault fault;
      if (any.type_url() == kFaultTypeUrl && fault.ParseFromString(any.value())) {
        result.SetPayload(kFaultTypeUrl, absl::Cord(fault.SerializeAsString()));
        break;
      }
    }
  }
  return result;
}

}  // namespace sts::wire
