#include "sts/server/health_service.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace sts::server {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// A real gRPC server with only the health service, on one queue and its
// thread, as sts_server runs it.
class HealthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    health_ = std::make_unique<HealthService>(&serving_, std::vector<std::string>{"sts.v1.X"});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(health_->service());
    queue_ = builder.AddCompletionQueue();
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    health_->Serve(queue_.get());
    thread_ = std::thread([cq = queue_.get()] { RunQueue(cq); });
    stub_ = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    queue_->Shutdown();
    thread_.join();
  }

  grpc::Status Check(const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    return stub_->Check(&context, request, response);
  }

  std::atomic<bool> serving_{true};
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::unique_ptr<grpc::Server> server_;
  std::thread thread_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
};

TEST_F(HealthServiceTest, AnswersTheServerAndEachNamedServiceAndFollowsTheFlag) {
  for (int round = 0; round < 3; ++round) {  // several calls per queue: successors requested
    for (const char* service : {"", "sts.v1.X"}) {
      HealthCheckResponse response;
      ASSERT_TRUE(Check(service, &response).ok());
      EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
    }
  }
  serving_.store(false);
  HealthCheckResponse response;
  ASSERT_TRUE(Check("sts.v1.X", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(Check("", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServiceTest, AnUnknownServiceIsNotFound) {
  HealthCheckResponse response;
  const grpc::Status status = Check("sts.v1.Unknown", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // And serving goes on.
  EXPECT_TRUE(Check("", &response).ok());
}

TEST_F(HealthServiceTest, WatchIsRefusedAsUnimplementedAndCheckStillAnswers) {
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    auto reader = stub_->Watch(&context, request);
    HealthCheckResponse response;
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  HealthCheckResponse response;
  EXPECT_TRUE(Check("", &response).ok());
}

}  // namespace
}  // namespace sts::server
