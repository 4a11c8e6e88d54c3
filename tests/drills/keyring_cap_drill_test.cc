// Drill: the keyring at its cap. The real server in this process on a fake
// clock (so expiry needs no waiting), clients of two principals over mutual
// TLS racing to fill tokens.max_tokens_total. What must hold: exactly the cap
// is granted, every refusal is clean (RESOURCE_EXHAUSTED, wst:RequestFailed,
// nothing changed), the contexts already issued keep working at the cap
// (validate, renew, cancel), and capacity comes back as contexts are
// cancelled or expire.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/channel.h"
#include "client/crypto/bytes.h"
#include "client/sts_client.h"
#include "client/wire/fault.h"
#include "client/wire/uris.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sts/server/sts_server.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

using sts::v1::RequestSecurityTokenResponse;

constexpr int kCap = 60;

class KeyringCapDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = std::make_unique<TestPki>(*std::move(pki));
    sts::config::StsConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        std::string(kDefaultTestPolicy) + "tokens { max_tokens_total: " + std::to_string(kCap) +
            " max_tokens_per_principal: 1000 }",
        &config));
    config.set_listen_address("127.0.0.1:0");
    config.mutable_tls()->set_client_ca_file(pki_->Pem("ca"));
    config.mutable_tls()->set_cert_file(pki_->Pem("server"));
    config.mutable_tls()->set_key_file(pki_->Key("server"));
    config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
    absl::StatusOr<std::unique_ptr<server::StsServer>> server =
        server::StsServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "localhost:" + std::to_string(server_->port());
    for (const char* who : {"client", "dns-client"}) {
      clients_.push_back(
          std::make_unique<StsClient>(*MakeMutualTlsChannel(pki_->As(who, address)), &clock_));
    }
    audience_ = std::make_unique<StsClient>(*MakeMutualTlsChannel(pki_->As("audience", address)),
                                            &clock_);
  }
  void TearDown() override {
    clients_.clear();
    audience_.reset();
    if (server_ != nullptr) server_->Shutdown();
  }

  static sts::v1::IssueRequest ForAudience() {
    sts::v1::IssueRequest request;
    request.set_applies_to("spiffe://test.example/relying-party");
    return request;
  }
  static absl::Span<const uint8_t> Key(const RequestSecurityTokenResponse& r) {
    return crypto::AsBytes(r.requested_proof_token().binary_secret().value());
  }
  static void ExpectCapRefusal(const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    EXPECT_EQ(wire::FaultNameOf(status), "wst:RequestFailed") << status;
  }

  // Both principals issue concurrently until each has seen `refusals`
  // refusals; returns what was granted.
  std::vector<RequestSecurityTokenResponse> Fill(int refusals) {
    std::mutex mu;
    std::vector<RequestSecurityTokenResponse> granted;
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        const StsClient& client = *clients_[t % clients_.size()];
        for (int seen = 0; seen < refusals;) {
          absl::StatusOr<RequestSecurityTokenResponse> r = client.Issue(ForAudience());
          if (r.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            granted.push_back(*std::move(r));
          } else if (r.status().code() == absl::StatusCode::kResourceExhausted &&
                     wire::FaultNameOf(r.status()) == "wst:RequestFailed") {
            ++seen;
          } else {
            ++unexpected;
            ADD_FAILURE() << r.status();
            return;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(unexpected.load(), 0);
    return granted;
  }

  std::unique_ptr<TestPki> pki_;
  FakeClock clock_{absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))};
  std::unique_ptr<server::StsServer> server_;
  std::vector<std::unique_ptr<StsClient>> clients_;
  std::unique_ptr<StsClient> audience_;
};

TEST_F(KeyringCapDrill, AtTheCapIssueIsRefusedCleanlyAndHeldContextsKeepWorking) {
  std::vector<RequestSecurityTokenResponse> held = Fill(/*refusals=*/5);
  ASSERT_EQ(held.size(), static_cast<size_t>(kCap));
  EXPECT_EQ(server_->keyring().stats().live, static_cast<uint64_t>(kCap));
  absl::StatusOr<RequestSecurityTokenResponse> refused = clients_[0]->Issue(ForAudience());
  ExpectCapRefusal(refused.status());
  EXPECT_NE(refused.status().message().find("the STS holds its maximum of 60 live"),
            std::string::npos)
      << refused.status();

  // At the cap, every held context validates with its key, and renews (a
  // renewal takes no new slot).
  for (RequestSecurityTokenResponse& token : held) {
    absl::StatusOr<sts::v1::ValidateResponse> v =
        audience_->Validate(token.requested_security_token());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->status().code(), wire::kStatusValid);
    EXPECT_EQ(v->keys_size(), 1);
  }
  for (int i = 0; i < 10; ++i) {
    const StsClient& owner = held[i].principal() == "spiffe://test.example/client"
                                 ? *clients_[0]
                                 : *clients_[1];
    absl::StatusOr<RequestSecurityTokenResponse> renewed =
        owner.Renew(held[i].requested_security_token(), Key(held[i]));
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    held[i] = *std::move(renewed);
  }
  EXPECT_EQ(server_->keyring().stats().live, static_cast<uint64_t>(kCap));

  // Cancelling frees exactly the slots cancelled.
  for (int i = 0; i < 3; ++i) {
    const StsClient& owner = held[i].principal() == "spiffe://test.example/client"
                                 ? *clients_[0]
                                 : *clients_[1];
    ASSERT_TRUE(owner.Cancel(held[i].requested_security_token(), Key(held[i])).ok());
  }
  std::vector<RequestSecurityTokenResponse> again = Fill(/*refusals=*/2);
  EXPECT_EQ(again.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<sts::v1::ValidateResponse> v =
        audience_->Validate(held[i].requested_security_token());
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->status().reason(), "cancelled");
    EXPECT_EQ(v->keys_size(), 0);
  }
}

TEST_F(KeyringCapDrill, ExpiryGivesTheWholeCapacityBack) {
  std::vector<RequestSecurityTokenResponse> first = Fill(/*refusals=*/3);
  ASSERT_EQ(first.size(), static_cast<size_t>(kCap));
  clock_.Advance(absl::Hours(1));
  server_->SweepNow();
  EXPECT_EQ(server_->keyring().stats().live, 0u);
  for (const RequestSecurityTokenResponse& token : first) {
    absl::StatusOr<sts::v1::ValidateResponse> v =
        audience_->Validate(token.requested_security_token());
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->status().reason(), "expired");
  }
  std::vector<RequestSecurityTokenResponse> second = Fill(/*refusals=*/3);
  EXPECT_EQ(second.size(), static_cast<size_t>(kCap));
  // And a clean shutdown still zeroizes everything at the cap.
  clients_.clear();
  audience_.reset();
  server_->Shutdown();
  EXPECT_EQ(server_->keyring().stats().records, 0u);
  EXPECT_EQ(server_->keyring().stats().key_slots, 0u);
}

}  // namespace
}  // namespace sts::testing
