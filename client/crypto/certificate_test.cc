#include "client/crypto/certificate.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sts::crypto {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A self-signed certificate valid for `days`, made by the openssl command
// line (an implementation other than the one under test reads the dates).
std::string MakeCertificate(int days) {
  const std::string dir = ::testing::TempDir();
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=t -days ",
      days, " -keyout ", dir, "/t.key -out ", dir, "/t.pem 2>/dev/null");
  EXPECT_EQ(std::system(command.c_str()), 0);
  return ReadAll(dir + "/t.pem");
}

TEST(CertificateTest, ReadsTheLeafsNotAfter) {
  const absl::Time before = absl::Now();
  const std::string pem = MakeCertificate(30);
  absl::StatusOr<absl::Time> not_after = CertificateNotAfter(pem);
  ASSERT_TRUE(not_after.ok()) << not_after.status();
  EXPECT_GE(*not_after, before + absl::Hours(24 * 30) - absl::Seconds(2));
  EXPECT_LE(*not_after, absl::Now() + absl::Hours(24 * 30) + absl::Seconds(2));
  // A chain: the first certificate is the leaf's.
  const std::string longer = MakeCertificate(90);
  EXPECT_EQ(*CertificateNotAfter(pem + longer), *not_after);
}

TEST(CertificateTest, RefusesWhatIsNoCertificate) {
  for (const std::string& bad :
       {std::string(), std::string("not a certificate"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    absl::StatusOr<absl::Time> r = CertificateNotAfter(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace sts::crypto
