#ifndef STS_CLIENT_WIRE_GRPC_STATUS_H_
#define STS_CLIENT_WIRE_GRPC_STATUS_H_

// The refusals of fault.h on the gRPC wire: the sts.v1.Fault travels packed
// in a google.rpc.Status, in the "grpc-status-details-bin" trailer. Apart
// from fault.h because it links gRPC (and, through it, OpenSSL), which the
// layers that only build and check refusals (wire, protect) must not.
// Stateless functions, safe from any thread.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace sts::wire {

// absl::Status -> grpc::Status, with the fault (if any) as a sts.v1.Fault
// packed in google.rpc.Status details. A status without a fault (which the
// STS never produces) becomes wst:RequestFailed so no refusal goes bare.
grpc::Status ToGrpcStatus(const absl::Status& status);

// grpc::Status -> absl::Status, recovering the sts.v1.Fault detail as a
// payload so FaultOf() works on what a client received. Details that are not
// a google.rpc.Status, or carry no parsable sts.v1.Fault, are dropped: the
// code and message still come through.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_GRPC_STATUS_H_
