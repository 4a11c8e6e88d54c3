#include "client/wire/grpc_status.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "client/wire/fault.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "sts/v1/fault.pb.h"

namespace sts::wire {
namespace {

TEST(GrpcStatusTest, RefusalSurvivesTheRoundTrip) {
  const absl::Status refusal = Refuse(Refusal::kExpiredContext, "context expired");
  const grpc::Status on_wire = ToGrpcStatus(refusal);
  EXPECT_EQ(on_wire.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(on_wire.error_message(), refusal.message());

  const absl::Status received = FromGrpcStatus(on_wire);
  EXPECT_EQ(received.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(received.message(), refusal.message());
  std::optional<sts::v1::Fault> fault = FaultOf(received);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->name(), "wst:ExpiredData");
  EXPECT_EQ(fault->reason(), "context expired");
}

TEST(GrpcStatusTest, DetailsAreAGoogleRpcStatusCarryingTheFault) {
  const grpc::Status on_wire = ToGrpcStatus(Refuse(Refusal::kUnknownContext, "no such context"));
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(on_wire.error_details()));
  EXPECT_EQ(rich.code(), static_cast<int>(absl::StatusCode::kNotFound));
  ASSERT_EQ(rich.details_size(), 1);
  EXPECT_EQ(rich.details(0).type_url(), kFaultTypeUrl);
  sts::v1::Fault fault;
  ASSERT_TRUE(fault.ParseFromString(rich.details(0).value()));
  EXPECT_EQ(fault.name(), "wsc:BadContextToken");
}

TEST(GrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, StatusWithoutFaultBecomesRequestFailed) {
  const grpc::Status on_wire = ToGrpcStatus(absl::UnknownError("backend hiccup"));
  EXPECT_EQ(on_wire.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(FaultNameOf(FromGrpcStatus(on_wire)), "wst:RequestFailed");
}

TEST(GrpcStatusTest, UnparsableDetailsKeepCodeAndMessageOnly) {
  const absl::Status garbage = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset", "\xff\xff\xff not proto"));
  EXPECT_EQ(garbage.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(garbage.message(), "connection reset");
  EXPECT_FALSE(FaultOf(garbage).has_value());

  // A well-formed google.rpc.Status whose details are some other type, or a
  // Fault type URL over bytes that are not a Fault, carries no fault either.
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(absl::StatusCode::kPermissionDenied));
  google::protobuf::Any* other = rich.add_details();
  other->set_type_url("type.googleapis.com/google.rpc.DebugInfo");
  other->set_value("irrelevant");
  google::protobuf::Any* corrupt = rich.add_details();
  corrupt->set_type_url(std::string(kFaultTypeUrl));
  corrupt->set_value("\x0a\xff");
  const absl::Status foreign = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "denied", rich.SerializeAsString()));
  EXPECT_EQ(foreign.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(FaultOf(foreign).has_value());
}

}  // namespace
}  // namespace sts::wire
