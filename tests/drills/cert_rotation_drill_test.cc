// Drill: the STS's certificate files are replaced on disk while it serves.
// The real server runs in this process (so its configuration is entirely
// this test's, with tls.reload_interval at 1 s) over real mutual TLS; new
// certificates come from sts/dev/make_pki.sh. What must hold: a new client
// CA bundle is picked up (clients of the new CA get in), then a new server
// certificate (clients that trust only the new CA connect, those that trust
// only the old one no longer can), contexts issued before keep validating,
// and a file replaced by garbage leaves the last good certificate in use.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/files.h"
#include "client/sts_client.h"
#include "client/wire/uris.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sts/server/sts_server.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

constexpr absl::Duration kPickupBound = absl::Seconds(20);

absl::Status RunCommand(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

// Replaces `path` by `content` as rotation tools do: a new file renamed over
// the old one, so a reader never sees half a file.
void Replace(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".new";
  std::ofstream(tmp, std::ios::trunc) << content;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0) << path;
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

class CertRotationDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = std::make_unique<TestPki>(*std::move(pki));
    // The files the server reads are its own copies, replaced below.
    live_ = NewTempDir("live-tls");
    std::ofstream(live_ + "/client_ca.pem") << Read(pki_->Pem("ca"));
    std::ofstream(live_ + "/server.pem") << Read(pki_->Pem("server"));
    std::ofstream(live_ + "/server.key") << Read(pki_->Key("server"));
    // The next PKI: a new CA, a server certificate and a client under it.
    next_ = NewTempDir("next-pki");
    const std::string make_pki = Runfile("sts/dev/make_pki.sh");
    ASSERT_TRUE(RunCommand(absl::StrCat(make_pki, " ca ", next_, " ca")).ok());
    ASSERT_TRUE(RunCommand(absl::StrCat(make_pki, " leaf ", next_,
                                 " ca server --server --dns localhost --ip 127.0.0.1"))
                    .ok());
    ASSERT_TRUE(RunCommand(absl::StrCat(make_pki, " leaf ", next_,
                                 " ca client --uri spiffe://test.example/client"))
                    .ok());
    std::ofstream(next_ + "/both.pem") << Read(pki_->Pem("ca")) << Read(next_ + "/ca.pem");

    sts::config::StsConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kDefaultTestPolicy, &config));
    config.set_listen_address("127.0.0.1:0");
    config.mutable_tls()->set_client_ca_file(live_ + "/client_ca.pem");
    config.mutable_tls()->set_cert_file(live_ + "/server.pem");
    config.mutable_tls()->set_key_file(live_ + "/server.key");
    config.mutable_tls()->set_reload_interval("1s");
    config.mutable_audit()->set_path(NewTempDir("audit") + "/audit.log");
    absl::StatusOr<std::unique_ptr<server::StsServer>> server = server::StsServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    address_ = "localhost:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // A new connection (every channel has its own credentials, so none is
  // shared) that issues a context: whether the handshake and a call work.
  absl::Status IssueOver(const ChannelOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeMutualTlsChannel(options);
    if (!channel.ok()) return channel.status();
    return StsClient(*channel, Clock::Real(), absl::Seconds(5)).Issue({}).status();
  }
  ChannelOptions OldClient(const std::string& trust) const {
    ChannelOptions o = pki_->As("client", address_);
    o.ca_file = trust;
    return o;
  }
  ChannelOptions NextClient(const std::string& trust) const {
    return {address_, trust, next_ + "/client.pem", next_ + "/client.key", "", ""};
  }
  // Waits (a file watcher, on real time) until `options` connects or not.
  bool Eventually(const ChannelOptions& options, bool connects) {
    const absl::Time deadline = absl::Now() + kPickupBound;
    while (absl::Now() < deadline) {
      if (IssueOver(options).ok() == connects) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return false;
  }

  std::unique_ptr<TestPki> pki_;
  std::string live_;
  std::string next_;
  std::unique_ptr<server::StsServer> server_;
  std::string address_;
};

TEST_F(CertRotationDrill, NewCaThenNewServerCertificateArePickedUpWithoutARestart) {
  const std::string old_ca = pki_->Pem("ca");
  ASSERT_TRUE(IssueOver(OldClient(old_ca)).ok());
  absl::StatusOr<sts::v1::RequestSecurityTokenResponse> before =
      StsClient(*MakeMutualTlsChannel(OldClient(old_ca))).Issue({});
  ASSERT_TRUE(before.ok()) << before.status();
  // The next CA's client is not trusted yet.
  EXPECT_FALSE(IssueOver(NextClient(next_ + "/both.pem")).ok());

  // 1. The client CA file becomes both CAs: the next CA's clients get in,
  //    the old ones still do.
  Replace(live_ + "/client_ca.pem", Read(next_ + "/both.pem"));
  EXPECT_TRUE(Eventually(NextClient(next_ + "/both.pem"), /*connects=*/true));
  EXPECT_TRUE(IssueOver(OldClient(old_ca)).ok());

  // 2. The server's certificate and key become the next CA's (key first:
  //    the watcher keeps the old pair while the two do not match).
  Replace(live_ + "/server.key", Read(next_ + "/server.key"));
  Replace(live_ + "/server.pem", Read(next_ + "/server.pem"));
  EXPECT_TRUE(Eventually(NextClient(next_ + "/ca.pem"), /*connects=*/true));
  EXPECT_FALSE(IssueOver(OldClient(old_ca)).ok())
      << "a client trusting only the old CA must not verify the new certificate";
  EXPECT_TRUE(IssueOver(OldClient(next_ + "/both.pem")).ok());

  // A context issued before the rotation is still the same context.
  absl::StatusOr<sts::v1::ValidateResponse> v =
      StsClient(*MakeMutualTlsChannel(NextClient(next_ + "/ca.pem")))
          .Validate(before->requested_security_token());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status().code(), wire::kStatusValid);
}

TEST_F(CertRotationDrill, AFileReplacedByGarbageKeepsTheLastGoodCertificate) {
  Replace(live_ + "/server.pem", "not a certificate\n");
  Replace(live_ + "/client_ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  // Several reload intervals later, new handshakes still succeed with the
  // certificate and CAs loaded before.
  const absl::Time until = absl::Now() + absl::Seconds(4);
  int connected = 0;
  while (absl::Now() < until) {
    const absl::Status s = IssueOver(OldClient(pki_->Pem("ca")));
    EXPECT_TRUE(s.ok()) << s;
    connected += s.ok();
    absl::SleepFor(absl::Milliseconds(500));
  }
  EXPECT_GE(connected, 4);
  // A good file again is picked up as usual.
  Replace(live_ + "/client_ca.pem", Read(next_ + "/both.pem"));
  EXPECT_TRUE(Eventually(NextClient(next_ + "/both.pem"), /*connects=*/true));
}

}  // namespace
}  // namespace sts::testing
