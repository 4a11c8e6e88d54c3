// The SOAP profile end to end against a real sts_server: `stsctl issue`
// obtains an SCT as the client, `stsctl soap sign` signs an envelope with
// it, the xmlsec1 tool verifies that signature (the derived key computed by
// psha1.py from the SCT key the STS releases to its owner), and
// `stsctl soap verify --resolve` verifies it as the relying party, fetching
// the key with Validate under the audience's certificate.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/harness/runfiles.h"
#include "tests/harness/sts_process.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {
namespace {

constexpr char kAudience[] = "spiffe://test.example/relying-party";
constexpr char kEnvelope[] =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
    "<m:Order xmlns:m=\"urn:example:orders\"><m:Item>widget</m:Item></m:Order>"
    "</soap:Body></soap:Envelope>";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Exec(const std::string& dir, const std::vector<std::string>& argv) {
  std::vector<std::string> quoted;
  for (const std::string& a : argv) quoted.push_back(Quote(a));
  const std::string out = dir + "/cmd.out";
  const std::string err = dir + "/cmd.err";
  const int status =
      std::system(absl::StrCat(absl::StrJoin(quoted, " "), " >", out, " 2>", err).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

class SoapE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
    absl::StatusOr<std::unique_ptr<StsProcess>> sts = StsProcess::Start(*pki_, kDefaultTestPolicy);
    ASSERT_TRUE(sts.ok()) << sts.status();
    sts_ = sts->release();
  }
  static void TearDownTestSuite() {
    delete sts_;
    delete pki_;
  }

  std::vector<std::string> Stsctl(const std::vector<std::string>& args, const std::string& as) {
    std::vector<std::string> argv = {Runfile("client/stsctl/stsctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& flag :
         {std::string("--addr"), sts_->address(), std::string("--ca"), pki_->Pem("ca"),
          std::string("--cert"), pki_->Pem(as), std::string("--key"), pki_->Key(as),
          std::string("--state"), dir_ + "/state/context"}) {
      argv.push_back(flag);
    }
    return argv;
  }

  static TestPki* pki_;
  static StsProcess* sts_;
  const std::string dir_ = NewTempDir("soap_e2e");
};

TestPki* SoapE2eTest::pki_ = nullptr;
StsProcess* SoapE2eTest::sts_ = nullptr;

TEST_F(SoapE2eTest, SignedByStsctlVerifiesWithXmlsec1AndAtTheRelyingParty) {
  Outcome issued = Exec(dir_, Stsctl({"issue", "--applies-to", kAudience, "--xml"}, "client"));
  ASSERT_EQ(issued.code, 0) << issued.err;
  EXPECT_TRUE(absl::StrContains(issued.out, "wst:RequestSecurityTokenResponseCollection"));
  EXPECT_TRUE(absl::StrContains(issued.out, "<wsc:Identifier>urn:uuid:"));
  EXPECT_FALSE(absl::StrContains(issued.out, "BinarySecret")) << "the key without --show-key";

  Write(dir_ + "/envelope.xml", kEnvelope);
  Outcome signed_run = Exec(dir_, Stsctl({"soap", "sign", "--in", dir_ + "/envelope.xml", "--out",
                                      dir_ + "/signed.xml"},
                                     "client"));
  ASSERT_EQ(signed_run.code, 0) << signed_run.err;
  const std::string signed_envelope = Slurp(dir_ + "/signed.xml");

  // xmlsec1, with the derived key computed independently from the SCT key.
  Outcome validated = Exec(dir_, Stsctl({"validate", "--show-key"}, "client"));
  ASSERT_EQ(validated.code, 0) << validated.err;
  std::smatch key;
  ASSERT_TRUE(std::regex_search(validated.out, key, std::regex("key_hex: +instance 1 ([0-9a-f]+)")));
  std::smatch nonce;
  ASSERT_TRUE(std::regex_search(signed_envelope, nonce, std::regex("<wsc:Nonce>([^<]+)</wsc:Nonce>")));
  Outcome derived = Exec(dir_, {"/usr/bin/python3", Runfile("tests/soap/psha1.py"), "--secret-hex",
                            key[1], "--nonce-b64", nonce[1], "--length", "24", "--out",
                            dir_ + "/dk.bin"});
  ASSERT_EQ(derived.code, 0) << derived.err;
  Outcome xmlsec1 = Exec(dir_, {"xmlsec1", "--verify", "--hmackey", dir_ + "/dk.bin", "--id-attr:Id",
                            "http://schemas.xmlsoap.org/soap/envelope/:Body", "--id-attr:Id",
                            "http://docs.oasis-open.org/wss/2004/01/"
                            "oasis-200401-wss-wssecurity-utility-1.0.xsd:Timestamp",
                            dir_ + "/signed.xml"});
  EXPECT_EQ(xmlsec1.code, 0) << xmlsec1.err;

  // The relying party, keys through Validate as the audience.
  Outcome verified = Exec(dir_, Stsctl({"soap", "verify", "--resolve", "--in", dir_ + "/signed.xml"},
                                   "audience"));
  ASSERT_EQ(verified.code, 0) << verified.err;
  EXPECT_EQ(verified.out, "<m:Order xmlns:m=\"urn:example:orders\"><m:Item>widget</m:Item></m:Order>");
  EXPECT_TRUE(absl::StrContains(verified.err, "principal spiffe://test.example/client"));

  // A party the STS releases no keys to cannot verify it.
  Outcome stranger = Exec(dir_, Stsctl({"soap", "verify", "--resolve", "--in", dir_ + "/signed.xml"},
                                   "stranger"));
  EXPECT_EQ(stranger.code, 1);
  EXPECT_TRUE(absl::StrContains(stranger.err, "wsse:FailedAuthentication")) << stranger.err;

  // Encrypted by the client, decrypted by the relying party.
  Outcome encrypted = Exec(dir_, Stsctl({"soap", "encrypt", "--cipher", "aes256-gcm", "--in",
                                     dir_ + "/signed.xml", "--out", dir_ + "/both.xml"},
                                    "client"));
  ASSERT_EQ(encrypted.code, 0) << encrypted.err;
  EXPECT_FALSE(absl::StrContains(Slurp(dir_ + "/both.xml"), "widget"));
  Outcome decrypted = Exec(dir_, Stsctl({"soap", "verify", "--resolve", "--in", dir_ + "/both.xml"},
                                    "audience"));
  ASSERT_EQ(decrypted.code, 0) << decrypted.err;
  EXPECT_TRUE(absl::StrContains(decrypted.out, "widget"));

  // After Cancel the relying party refuses the context.
  Outcome cancelled = Exec(dir_, Stsctl({"cancel"}, "client"));
  ASSERT_EQ(cancelled.code, 0) << cancelled.err;
  Write(dir_ + "/state/context", "");
  Outcome after = Exec(dir_, Stsctl({"soap", "verify", "--resolve", "--in", dir_ + "/signed.xml"},
                                "audience"));
  EXPECT_EQ(after.code, 1);
  EXPECT_TRUE(absl::StrContains(after.err, "wsse:InvalidSecurityToken")) << after.err;
}

}  // namespace
}  // namespace sts::testing
