// Several client threads issue, renew, cancel and validate the same and
// different tokens at once through the real server in this process (so that
// --config=tsan instruments the server's code too). Every answer must be a
// success or a refusal that the race explains; nothing issued may be lost.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

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

TEST(ConcurrencyTest, MixedLifecycleFromManyThreads) {
  absl::StatusOr<TestPki> pki = TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  sts::config::StsConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kDefaultTestPolicy, &config));
  config.set_listen_address("127.0.0.1:0");
  config.mutable_tls()->set_client_ca_file(pki->Pem("ca"));
  config.mutable_tls()->set_cert_file(pki->Pem("server"));
  config.mutable_tls()->set_key_file(pki->Key("server"));
  config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
  config.mutable_tokens()->set_max_tokens_per_principal(10'000);
  // One principal hammers Renew and Cancel from many threads on purpose.
  config.mutable_tokens()->set_proof_rate_per_principal(1e6);
  config.mutable_tokens()->set_proof_burst_per_principal(1'000'000);
  config.mutable_tokens()->set_sweep_interval("10ms");  // the sweeper races too
  absl::StatusOr<std::unique_ptr<server::StsServer>> server = server::StsServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = "localhost:" + std::to_string((*server)->port());

  // Tokens every thread works on; renewals race, so each entry keeps the
  // newest response anyone got.
  constexpr int kShared = 4;
  std::mutex mu;
  std::vector<RequestSecurityTokenResponse> shared;
  {
    StsClient client(*MakeMutualTlsChannel(pki->As("client", address)));
    for (int i = 0; i < kShared; ++i) shared.push_back(*client.Issue({}));
  }

  constexpr int kThreads = 6;
  constexpr int kRounds = 60;
  std::atomic<int> unexpected{0};
  std::atomic<int> own_live{0};
  auto expected = [&](const absl::Status& s) {
    if (s.ok()) return;
    const std::string fault = wire::FaultNameOf(s);
    // Racing renewals of one token: the instance a thread used may already be
    // superseded twice over, or its nonce reused by nobody but still in flight.
    if (fault == "wsc:UnknownDerivationSource" || fault == "wst:FailedAuthentication") return;
    ADD_FAILURE() << s;
    unexpected.fetch_add(1);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      StsClient client(*MakeMutualTlsChannel(pki->As("client", address)));
      StsClient audience(*MakeMutualTlsChannel(pki->As("audience", address)));
      std::vector<RequestSecurityTokenResponse> own;
      for (int r = 0; r < kRounds; ++r) {
        switch ((r + t) % 5) {
          case 0: {
            sts::v1::IssueRequest request;
            request.set_applies_to("spiffe://test.example/relying-party");
            absl::StatusOr<RequestSecurityTokenResponse> issued = client.Issue(request);
            expected(issued.status());
            if (issued.ok()) own.push_back(*issued);
            break;
          }
          case 1:
            if (!own.empty()) {
              absl::StatusOr<RequestSecurityTokenResponse> renewed = client.Renew(
                  own.back().requested_security_token(),
                  crypto::AsBytes(own.back().requested_proof_token().binary_secret().value()));
              expected(renewed.status());
              if (renewed.ok()) own.back() = *renewed;
            }
            break;
          case 2: {
            RequestSecurityTokenResponse target;
            {
              std::lock_guard<std::mutex> lock(mu);
              target = shared[r % kShared];
            }
            absl::StatusOr<RequestSecurityTokenResponse> renewed =
                client.Renew(target.requested_security_token(),
                             crypto::AsBytes(target.requested_proof_token().binary_secret().value()));
            expected(renewed.status());
            if (renewed.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              RequestSecurityTokenResponse& slot = shared[r % kShared];
              if (std::stoi(renewed->requested_security_token().instance()) >
                  std::stoi(slot.requested_security_token().instance())) {
                slot = *renewed;
              }
            }
            break;
          }
          case 3: {
            RequestSecurityTokenResponse target;
            {
              std::lock_guard<std::mutex> lock(mu);
              target = shared[(r + 1) % kShared];
            }
            absl::StatusOr<sts::v1::ValidateResponse> v =
                audience.Validate(target.requested_security_token());
            expected(v.status());
            if (v.ok()) {
              EXPECT_EQ(v->status().code(), wire::kStatusValid);
            }
            break;
          }
          case 4:
            if (own.size() > 1) {
              absl::StatusOr<sts::v1::CancelResponse> c = client.Cancel(
                  own.front().requested_security_token(),
                  crypto::AsBytes(own.front().requested_proof_token().binary_secret().value()));
              expected(c.status());
              if (c.ok()) own.erase(own.begin());
            }
            break;
        }
      }
      // What this thread still holds must be valid, with the key it holds.
      for (const RequestSecurityTokenResponse& r : own) {
        absl::StatusOr<sts::v1::ValidateResponse> v = client.Validate(r.requested_security_token());
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->status().code(), wire::kStatusValid);
        EXPECT_EQ(v->keys(0).key(), r.requested_proof_token().binary_secret().value());
      }
      own_live.fetch_add(static_cast<int>(own.size()));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ((*server)->keyring().stats().live, static_cast<uint64_t>(kShared + own_live.load()));
  (*server)->Shutdown();
}

}  // namespace
}  // namespace sts::testing
