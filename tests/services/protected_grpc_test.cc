// The gRPC integration in one process: the example client and server pair
// over plaintext loopback (message protection does not depend on the
// transport), the real STS logic in process and one fake clock for everyone. Every
// refusal is checked to happen before the handler runs.
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/context/security_context.h"
#include "client/grpc/call_protection.h"
#include "client/grpc/client_interceptor.h"
#include "client/grpc/protected_call.h"
#include "client/grpc/protected_service.h"
#include "client/protect/message.h"
#include "client/verifier/verifier.h"
#include "client/wire/fault.h"
#include "client/wire/grpc_status.h"
#include "example/v1/inventory.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/harness/in_process_sts.h"
#include "tests/services/inventory_server.h"
#include "tests/services/order_client.h"

namespace sts::example {
namespace {

using ::example::v1::Inventory;
using ::example::v1::ReserveReply;
using ::example::v1::ReserveRequest;
using context::RenewalMode;
using context::SecurityContext;
using context::SecurityContextOptions;

constexpr char kReserve[] = "/example.v1.Inventory/Reserve";
constexpr char kStock[] = "/example.v1.Inventory/Stock";

class ProtectedGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    verifier::VerifierOptions options;
    options.clock = &clock_;
    verifier_ = std::make_shared<verifier::Verifier>(audience_, options);
    absl::StatusOr<std::unique_ptr<InventoryServer>> server = InventoryServer::Start(
        grpc::InsecureServerCredentials(), verifier_, {{"widget", 1000}, {"gadget", 1}});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
  }
  void TearDown() override {
    // Channels first, or the server's shutdown waits for idle clients.
    plain_.reset();
    server_->Shutdown();
  }

  std::shared_ptr<SecurityContext> Context(RenewalMode mode = RenewalMode::kManual) {
    SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = mode;
    sts::v1::IssueRequest request;
    request.set_applies_to(testing::kInProcessAudience);
    absl::StatusOr<std::unique_ptr<SecurityContext>> context =
        SecurityContext::Issue(client_, request, options);
    EXPECT_TRUE(context.ok()) << context.status();
    return std::shared_ptr<SecurityContext>(*std::move(context));
  }

  std::unique_ptr<OrderClient> Client(std::shared_ptr<SecurityContext> context) {
    return std::make_unique<OrderClient>(address_, grpc::InsecureChannelCredentials(),
                                         std::move(context));
  }

  // An unprotected stub, for calls that carry hand-made (or no) metadata.
  Inventory::Stub& Plain() {
    if (plain_ == nullptr) {
      plain_ = Inventory::NewStub(
          grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    }
    return *plain_;
  }

  // The metadata a protected channel would add for `request` on `method`,
  // made with `keys` at time `created`.
  static std::multimap<std::string, std::string> Protection(
      const protect::InstanceKeys& keys, const google::protobuf::MessageLite& request,
      const std::string& method, uint64_t sequence, absl::Time created) {
    sts::v1::ProtectedMessage m;
    protect::FillHeader(keys, {}, sts::v1::ProtectedMessage::PROTECTION_SIGN,
                        protect::Direction::kClientToServer, sequence, created, &m);
    grpc_protect::SerializeDeterministically(request, m.mutable_payload());
    EXPECT_TRUE(protect::SignInPlace(keys, &m, method).ok());
    std::multimap<std::string, std::string> metadata;
    grpc_protect::AddMetadata(m, &metadata);
    return metadata;
  }

  static ReserveRequest Request(uint32_t quantity = 1) {
    ReserveRequest request;
    request.set_item("widget");
    request.set_quantity(quantity);
    return request;
  }

  absl::Status Send(const ReserveRequest& request,
                    const std::multimap<std::string, std::string>& metadata) {
    grpc::ClientContext context;
    for (const auto& [name, value] : metadata) context.AddMetadata(name, value);
    ReserveReply reply;
    return wire::FromGrpcStatus(Plain().Reserve(&context, request, &reply));
  }

  // A refusal must be UNAUTHENTICATED with `fault`, and no handler ran.
  void ExpectRefused(const absl::Status& status, const std::string& fault, int handled_before) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_EQ(wire::FaultNameOf(status), fault) << status;
    EXPECT_EQ(server_->service().handled(), handled_before);
  }

  FakeClock clock_{absl::Now()};
  std::unique_ptr<testing::InProcessSts> sts_ = *testing::InProcessSts::Create(&clock_);
  std::shared_ptr<testing::InProcessStsClient> client_ =
      sts_->ClientAs(testing::kInProcessClient);
  std::shared_ptr<testing::InProcessStsClient> audience_ =
      sts_->ClientAs(testing::kInProcessAudience);
  std::shared_ptr<verifier::Verifier> verifier_;
  std::unique_ptr<InventoryServer> server_;
  std::string address_;
  std::unique_ptr<Inventory::Stub> plain_;
};

TEST_F(ProtectedGrpcTest, ProtectedCallsReachTheHandlerWithTheCallersPrincipal) {
  auto client = Client(Context());
  absl::StatusOr<ReserveReply> reply = client->Reserve("widget", 3);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->remaining(), 997u);
  EXPECT_EQ(reply->reserved_by(), "spiffe://test.example/client");
  // Application errors pass through untouched.
  absl::StatusOr<ReserveReply> short_stock = client->Reserve("gadget", 2);
  EXPECT_EQ(short_stock.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<::example::v1::StockReply> stock = client->Stock("widget");
  ASSERT_TRUE(stock.ok()) << stock.status();
  EXPECT_EQ(stock->remaining(), 997u);
  EXPECT_EQ(server_->service().handled(), 3);
  EXPECT_EQ(verifier_->stats().validations, 1u);
}

TEST_F(ProtectedGrpcTest, UnprotectedCallsAreRefusedBeforeTheHandler) {
  const absl::Status s = Send(Request(), {});
  ExpectRefused(s, "wst:FailedAuthentication", 0);
  EXPECT_NE(s.message().find("sts-context"), absl::string_view::npos);
}

// Protection metadata that is there but malformed: each header missing, a
// header repeated, numbers that are not decimal. Refused as wst:InvalidRequest
// before any key is looked up or any handler runs; the well-formed original
// still goes through afterwards (nothing refused moved a replay window).
TEST_F(ProtectedGrpcTest, MalformedProtectionMetadataIsRefused) {
  auto context = Context();
  const auto keys = context->current_keys();
  const ReserveRequest request = Request();
  const auto good = Protection(*keys, request, kReserve, 1, clock_.Now());
  for (const char* name : {grpc_protect::kInstanceHeader, grpc_protect::kSequenceHeader,
                           grpc_protect::kCreatedHeader, grpc_protect::kMacHeader}) {
    auto missing = good;
    missing.erase(name);
    ExpectRefused(Send(request, missing), "wst:InvalidRequest", 0);
    auto repeated = good;
    repeated.emplace(name, good.find(name)->second);
    ExpectRefused(Send(request, repeated), "wst:InvalidRequest", 0);
  }
  for (const char* name : {grpc_protect::kSequenceHeader, grpc_protect::kCreatedHeader}) {
    for (const char* bad : {"", "12x", "-", "0x10", "99999999999999999999999"}) {
      auto malformed = good;
      malformed.find(name)->second = bad;
      ExpectRefused(Send(request, malformed), "wst:InvalidRequest", 0);
    }
  }
  auto two_contexts = good;
  two_contexts.emplace(grpc_protect::kContextHeader, "urn:uuid:another");
  ExpectRefused(Send(request, two_contexts), "wst:InvalidRequest", 0);
  EXPECT_TRUE(Send(request, good).ok());
  EXPECT_EQ(server_->service().handled(), 1);
}

TEST_F(ProtectedGrpcTest, ReplayedModifiedOrRedirectedCallsAreRefused) {
  auto context = Context();
  const auto keys = context->current_keys();
  const ReserveRequest request = Request(2);
  const auto metadata = Protection(*keys, request, kReserve, 1, clock_.Now());
  ASSERT_TRUE(Send(request, metadata).ok());
  const int handled = server_->service().handled();

  // The same call again.
  const absl::Status replay = Send(request, metadata);
  ExpectRefused(replay, "wst:FailedAuthentication", handled);
  EXPECT_NE(replay.message().find("replayed"), absl::string_view::npos);
  // Another request under the same metadata (and a fresh sequence number).
  auto fresh = Protection(*keys, request, kReserve, 2, clock_.Now());
  ExpectRefused(Send(Request(500), fresh), "wst:FailedAuthentication", handled);
  // The MAC of a Stock call presented for Reserve.
  ::example::v1::StockRequest stock;
  stock.set_item("widget");
  ExpectRefused(Send(request, Protection(*keys, request, kStock, 3, clock_.Now())),
                "wst:FailedAuthentication", handled);
  // Every header is covered.
  for (const char* header : {grpc_protect::kSequenceHeader, grpc_protect::kCreatedHeader,
                             grpc_protect::kInstanceHeader}) {
    auto changed = Protection(*keys, request, kReserve, 10, clock_.Now());
    auto it = changed.find(header);
    it->second = header == std::string(grpc_protect::kCreatedHeader)
                     ? absl::StrCat(absl::ToUnixNanos(clock_.Now()) - 1)
                     : "11";
    const absl::Status s = Send(request, changed);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << header;
  }
  // The receiver is bound: a call addressed to another service, or to none.
  auto redirected = Protection(*keys, request, kReserve, 13, clock_.Now());
  ASSERT_EQ(redirected.count(grpc_protect::kReceiverHeader), 1u);
  EXPECT_EQ(redirected.find(grpc_protect::kReceiverHeader)->second, testing::kInProcessAudience);
  redirected.find(grpc_protect::kReceiverHeader)->second = "spiffe://test.example/billing";
  ExpectRefused(Send(request, redirected), "wst:FailedAuthentication", handled);
  auto unaddressed = Protection(*keys, request, kReserve, 14, clock_.Now());
  unaddressed.erase(grpc_protect::kReceiverHeader);
  ExpectRefused(Send(request, unaddressed), "wst:InvalidRequest", handled);
  auto truncated = Protection(*keys, request, kReserve, 12, clock_.Now());
  truncated.find(grpc_protect::kMacHeader)->second.resize(16);
  ExpectRefused(Send(request, truncated), "wst:FailedAuthentication", handled);
  EXPECT_EQ(server_->service().handled(), handled);
}

TEST_F(ProtectedGrpcTest, StaleAndFutureTimestampsAreRefused) {
  auto context = Context();
  const auto keys = context->current_keys();
  const ReserveRequest request = Request();
  ExpectRefused(Send(request, Protection(*keys, request, kReserve, 1,
                                         clock_.Now() - absl::Minutes(6))),
                "wst:ExpiredData", 0);
  ExpectRefused(Send(request, Protection(*keys, request, kReserve, 2,
                                         clock_.Now() + absl::Minutes(6))),
                "wst:ExpiredData", 0);
}

TEST_F(ProtectedGrpcTest, WrongKeyUnknownInstanceAndUnknownContextAreRefused) {
  auto context = Context();
  const ReserveRequest request = Request();
  // A key of the right shape that the STS never issued for this context.
  auto info = std::make_shared<protect::ContextInfo>(context->current_keys()->info());
  auto forged = *protect::InstanceKeys::Create(info, "1", crypto::SecretBytes(32));
  ExpectRefused(Send(request, Protection(*forged, request, kReserve, 1, clock_.Now())),
                "wst:FailedAuthentication", 0);
  auto other_instance = *protect::InstanceKeys::Create(info, "7", crypto::SecretBytes(32));
  ExpectRefused(Send(request, Protection(*other_instance, request, kReserve, 2, clock_.Now())),
                "wsc:UnknownDerivationSource", 0);
  auto unknown_info = std::make_shared<protect::ContextInfo>();
  unknown_info->identifier = "urn:uuid:99999999-0000-4000-8000-000000000000";
  auto unknown = *protect::InstanceKeys::Create(unknown_info, "1", crypto::SecretBytes(32));
  ExpectRefused(Send(request, Protection(*unknown, request, kReserve, 3, clock_.Now())),
                "wsc:BadContextToken", 0);
}

TEST_F(ProtectedGrpcTest, TheAudienceCannotForgeCallsToTheOwnersOwnServices) {
  // The owner also runs an Inventory service, its verifier authenticated as
  // the owner, to whom the STS releases the owner's context keys too.
  verifier::VerifierOptions options;
  options.clock = &clock_;
  auto owner_verifier = std::make_shared<verifier::Verifier>(client_, options);
  absl::StatusOr<std::unique_ptr<InventoryServer>> owner_server = InventoryServer::Start(
      grpc::InsecureServerCredentials(), owner_verifier, {{"widget", 1000}});
  ASSERT_TRUE(owner_server.ok()) << owner_server.status();
  auto context = Context();
  // The audience obtains the key with Validate, as it must to verify calls.
  absl::StatusOr<sts::v1::ValidateResponse> validated = audience_->Validate(context->token());
  ASSERT_TRUE(validated.ok()) << validated.status();
  ASSERT_FALSE(validated->keys().empty());
  auto info = std::make_shared<protect::ContextInfo>(context->current_keys()->info());
  auto held_by_audience = *protect::InstanceKeys::Create(
      info, validated->keys(0).instance(),
      crypto::SecretBytes::FromString(validated->keys(0).key()));
  // A call the audience forges in the owner's name, to the owner's service.
  const ReserveRequest request = Request(500);
  grpc::ClientContext call;
  for (const auto& [name, value] :
       Protection(*held_by_audience, request, kReserve, 1, clock_.Now())) {
    call.AddMetadata(name, value);
  }
  ReserveReply reply;
  auto stub = Inventory::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*owner_server)->port()), grpc::InsecureChannelCredentials()));
  const absl::Status s = wire::FromGrpcStatus(stub->Reserve(&call, request, &reply));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_EQ((*owner_server)->service().handled(), 0);
  stub.reset();
  (*owner_server)->Shutdown();
}

TEST_F(ProtectedGrpcTest, CancelledAndExpiredContexts) {
  auto context = Context();
  auto client = Client(context);
  ASSERT_TRUE(client->Reserve("widget", 1).ok());
  const auto stolen = context->current_keys();
  ASSERT_TRUE(context->Cancel().ok());
  const int handled = server_->service().handled();
  // The holder's own calls now fail locally, before anything is sent.
  absl::StatusOr<ReserveReply> local = client->Reserve("widget", 1);
  EXPECT_EQ(local.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wire::FaultNameOf(local.status()), "wst:InvalidSecurityToken");
  // A thief of the key is refused once the verifier re-validates.
  clock_.Advance(absl::Minutes(1));
  const ReserveRequest request = Request();
  ExpectRefused(Send(request, Protection(*stolen, request, kReserve, 1, clock_.Now())),
                "wst:InvalidSecurityToken", handled);

  auto expiring = Context();
  auto expiring_client = Client(expiring);
  ASSERT_TRUE(expiring_client->Reserve("widget", 1).ok());
  const auto keys = expiring->current_keys();
  clock_.Advance(absl::Hours(1));
  absl::StatusOr<ReserveReply> expired = expiring_client->Reserve("widget", 1);
  EXPECT_EQ(wire::FaultNameOf(expired.status()), "wsc:RenewNeeded");
  ExpectRefused(Send(request, Protection(*keys, request, kReserve, 2, clock_.Now())),
                "wsc:RenewNeeded", handled + 1);
}

TEST_F(ProtectedGrpcTest, CallsCarryOnAcrossBackgroundRenewals) {
  auto context = Context(RenewalMode::kBackground);
  auto client = Client(context);
  int failures = 0;
  // Three hours of 1-hour contexts, one call every 5 minutes.
  for (int i = 0; i < 36; ++i) {
    absl::StatusOr<ReserveReply> reply = client->Reserve("widget", 1);
    if (!reply.ok()) {
      ++failures;
      ADD_FAILURE() << "call " << i << ": " << reply.status();
    }
    // A call past the renewal point (60 % of the hour) has woken the renewal
    // thread; let it renew at this time before the fake clock jumps again,
    // as real time would (on a loaded machine it could otherwise lag several
    // jumps behind and find the context expired).
    const uint64_t renewed = context->renewals();  // before expires(): no lost renewal
    if (context->expires() - clock_.Now() <= absl::Minutes(24)) {
      EXPECT_TRUE(context->AwaitRenewals(renewed + 1, absl::Seconds(30))) << i;
    }
    clock_.Advance(absl::Minutes(5));
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GE(context->renewals(), 2u);
  EXPECT_GE(std::stoi(context->token().instance()), 3);
}

TEST_F(ProtectedGrpcTest, AsyncStubCallsAreProtectedToo) {
  // The completion-queue stub hands the interceptor gRPC's serialized bytes,
  // not the request object (deterministic here: no map field).
  auto channel = grpc_protect::CreateProtectedChannel(
      address_, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), Context());
  auto stub = Inventory::NewStub(channel);
  grpc::CompletionQueue cq;
  ::example::v1::StockRequest request;
  request.set_item("widget");
  ::example::v1::StockReply reply;
  grpc::Status status;
  grpc::ClientContext context;
  auto call = stub->AsyncStock(&context, request, &cq);
  call->Finish(&reply, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.remaining(), 1000u);
  EXPECT_EQ(server_->service().handled(), 1);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(ProtectedGrpcTest, ConcurrentCallers) {
  auto context = Context();
  auto client = Client(context);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (client->Reserve("widget", 1).ok()) ok.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(verifier_->stats().validations, 1u);
}

TEST_F(ProtectedGrpcTest, OnlySynchronousUnaryServicesCanBeProtected) {
  class Feed final : public ::example::v1::Feed::Service {};
  Feed feed;
  absl::StatusOr<std::unique_ptr<grpc::Service>> streaming =
      grpc_protect::ProtectService(&feed, ::example::v1::Feed::service_full_name(), verifier_);
  EXPECT_EQ(streaming.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(streaming.status().message().find("streams"), absl::string_view::npos);

  Inventory::AsyncService async;
  EXPECT_EQ(grpc_protect::ProtectService(&async, Inventory::service_full_name(), verifier_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  Inventory::CallbackService callback;
  EXPECT_EQ(grpc_protect::ProtectService(&callback, Inventory::service_full_name(), verifier_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  InventoryService sync({});
  EXPECT_EQ(grpc_protect::ProtectService(&sync, "example.v1.NoSuchService", verifier_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// ProtectCall: the same protection, one call at a time, on a channel without
// an interceptor. Sync and async stubs; the caller's principal reaches the
// handler; each ClientContext's protection is good for its one call only.
TEST_F(ProtectedGrpcTest, ExplicitlyProtectedCallsOnAPlainChannel) {
  auto context = Context();
  const ReserveRequest request = Request(2);
  grpc::ClientContext call;
  ASSERT_TRUE(grpc_protect::ProtectCall(*context, kReserve, request, &call).ok());
  ReserveReply reply;
  ASSERT_TRUE(Plain().Reserve(&call, request, &reply).ok());
  EXPECT_EQ(reply.remaining(), 998u);
  EXPECT_EQ(reply.reserved_by(), "spiffe://test.example/client");

  // The async stub, under the same context (a later sequence number).
  ::example::v1::StockRequest stock;
  stock.set_item("widget");
  grpc::ClientContext async_call;
  ASSERT_TRUE(grpc_protect::ProtectCall(*context, kStock, stock, &async_call).ok());
  grpc::CompletionQueue cq;
  ::example::v1::StockReply stock_reply;
  grpc::Status status;
  Plain().AsyncStock(&async_call, stock, &cq)->Finish(&stock_reply, &status,
                                                        reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stock_reply.remaining(), 998u);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_EQ(server_->service().handled(), 2);
  EXPECT_EQ(verifier_->stats().validations, 1u);
}

// A context addressed to a receiver (SecurityContextOptions::addressed_to)
// names it in each call: the audience's server accepts calls addressed to
// it and refuses calls addressed to another service.
TEST_F(ProtectedGrpcTest, CallsNameTheReceiverTheContextIsAddressedTo) {
  for (const auto& [addressed_to, accepted] :
       {std::pair<std::string, bool>{testing::kInProcessAudience, true},
        std::pair<std::string, bool>{"spiffe://test.example/billing", false}}) {
    SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = RenewalMode::kManual;
    options.addressed_to = addressed_to;
    sts::v1::IssueRequest issue;
    issue.set_applies_to(testing::kInProcessAudience);
    absl::StatusOr<std::unique_ptr<SecurityContext>> context =
        SecurityContext::Issue(client_, issue, options);
    ASSERT_TRUE(context.ok()) << context.status();
    const ReserveRequest request = Request();
    const int handled = server_->service().handled();
    grpc::ClientContext call;
    ASSERT_TRUE(grpc_protect::ProtectCall(**context, kReserve, request, &call).ok());
    ReserveReply reply;
    const absl::Status s = wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply));
    if (accepted) {
      EXPECT_TRUE(s.ok()) << s;
    } else {
      ExpectRefused(s, "wst:FailedAuthentication", handled);
      EXPECT_NE(s.message().find("billing"), absl::string_view::npos) << s;
    }
  }
}

TEST_F(ProtectedGrpcTest, ExplicitProtectionRefusesCleanly) {
  auto context = Context();
  const ReserveRequest request = Request();
  ReserveReply reply;
  // Not a method path: refused locally, the ClientContext left as it was.
  for (const char* bad : {"", "Reserve", "/example.v1.Inventory", "example.v1.Inventory/Reserve",
                          "/example.v1.Inventory/Reserve/", "//Reserve"}) {
    grpc::ClientContext call;
    const absl::Status s = grpc_protect::ProtectCall(*context, bad, request, &call);
    EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest") << bad << ": " << s;
    ExpectRefused(wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply)),
                  "wst:FailedAuthentication", 0);
  }
  // Protected for one method, sent to another: the MAC covers the path.
  {
    grpc::ClientContext call;
    ASSERT_TRUE(grpc_protect::ProtectCall(*context, kStock, request, &call).ok());
    ExpectRefused(wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply)),
                  "wst:FailedAuthentication", 0);
  }
  // Protected for one request, sent with another.
  {
    grpc::ClientContext call;
    ASSERT_TRUE(grpc_protect::ProtectCall(*context, kReserve, Request(5), &call).ok());
    ExpectRefused(wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply)),
                  "wst:FailedAuthentication", 0);
  }
  // Protected twice: every header repeated.
  {
    grpc::ClientContext call;
    ASSERT_TRUE(grpc_protect::ProtectCall(*context, kReserve, request, &call).ok());
    ASSERT_TRUE(grpc_protect::ProtectCall(*context, kReserve, request, &call).ok());
    ExpectRefused(wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply)),
                  "wst:InvalidRequest", 0);
  }
  // A context whose message keys are P_SHA1's: a call cannot name them.
  {
    SecurityContextOptions options;
    options.clock = &clock_;
    options.renewal = RenewalMode::kManual;
    options.derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
    sts::v1::IssueRequest issue;
    issue.set_applies_to(testing::kInProcessAudience);
    absl::StatusOr<std::unique_ptr<SecurityContext>> psha1 =
        SecurityContext::Issue(client_, issue, options);
    ASSERT_TRUE(psha1.ok()) << psha1.status();
    grpc::ClientContext call;
    const absl::Status s = grpc_protect::ProtectCall(**psha1, kReserve, request, &call);
    EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest") << s;
    EXPECT_NE(s.message().find("P_SHA1"), absl::string_view::npos) << s;
  }
  // A cancelled context protects nothing.
  ASSERT_TRUE(context->Cancel().ok());
  grpc::ClientContext call;
  const absl::Status s = grpc_protect::ProtectCall(*context, kReserve, request, &call);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidSecurityToken");
  ExpectRefused(wire::FromGrpcStatus(Plain().Reserve(&call, request, &reply)),
                "wst:FailedAuthentication", 0);
  // And the service is still there for a good call.
  auto fresh = Context();
  grpc::ClientContext good;
  ASSERT_TRUE(grpc_protect::ProtectCall(*fresh, kReserve, request, &good).ok());
  EXPECT_TRUE(Plain().Reserve(&good, request, &reply).ok());
  EXPECT_EQ(server_->service().handled(), 1);
}

}  // namespace
}  // namespace sts::example
