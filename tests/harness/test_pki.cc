#include "tests/harness/test_pki.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/harness/runfiles.h"

namespace sts::testing {
namespace {

absl::Status Run(const std::vector<std::string>& words) {
  std::string command;
  for (const std::string& w : words) absl::StrAppend(&command, "'", w, "' ");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TestPki> TestPki::Create() {
  TestPki pki;
  pki.dir_ = NewTempDir("pki");
  const std::string script = Runfile("sts/dev/make_pki.sh");
  const std::vector<std::vector<std::string>> steps = {
      {"ca", "ca"},
      {"leaf", "ca", "server", "--server", "--cn", "localhost", "--dns", "localhost", "--ip",
       "127.0.0.1"},
      {"leaf", "ca", "client", "--cn", "client", "--uri", "spiffe://test.example/client"},
      {"leaf", "ca", "dns-client", "--cn", "ignored-cn", "--dns", "client.test.example"},
      {"leaf", "ca", "cn-client", "--cn", "cn-client"},
      // Names that spell an authorized SPIFFE ID in a field that is not a
      // SPIFFE ID (security review, medium 6).
      {"leaf", "ca", "cn-impostor", "--cn", "spiffe://test.example/client"},
      {"leaf", "ca", "dns-impostor", "--cn", "x", "--dns", "spiffe://test.example/client"},
      {"leaf", "ca", "two-spiffe", "--uri", "spiffe://test.example/a", "--uri",
       "spiffe://test.example/b"},
      {"leaf", "ca", "audience", "--uri", "spiffe://test.example/relying-party"},
      {"leaf", "ca", "stranger", "--uri", "spiffe://test.example/stranger"},
      {"leaf", "ca", "quota", "--uri", "spiffe://test.example/quota"},
      {"ca", "rogue"},
      {"leaf", "rogue", "rogue-client", "--uri", "spiffe://test.example/client"},
  };
  for (const std::vector<std::string>& step : steps) {
    std::vector<std::string> words = {script, step[0], pki.dir_};
    words.insert(words.end(), step.begin() + 1, step.end());
    if (absl::Status s = Run(words); !s.ok()) return s;
  }
  return pki;
}

ChannelOptions TestPki::As(const std::string& name, const std::string& address,
                           const std::string& ca) const {
  ChannelOptions options;
  options.address = address;
  options.ca_file = Pem(ca);
  if (!name.empty()) {
    options.cert_file = Pem(name);
    options.key_file = Key(name);
  }
  return options;
}

}  // namespace sts::testing
