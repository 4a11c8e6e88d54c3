#ifndef STS_TESTS_HARNESS_TEST_PKI_H_
#define STS_TESTS_HARNESS_TEST_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/channel.h"

namespace sts::testing {

// Certificates made at test time with sts/dev/make_pki.sh:
//   CA "ca"        server (localhost, 127.0.0.1) and the clients below
//   CA "rogue"     rogue-client, with the same SPIFFE ID as "client"
// Clients (name: identity):
//   client         URI spiffe://test.example/client
//   dns-client     DNS client.test.example (no URI SAN)
//   cn-client      subject CN "cn-client" only
//   two-spiffe     two SPIFFE URI SANs (ambiguous, refused)
//   audience       URI spiffe://test.example/relying-party
//   stranger       URI spiffe://test.example/stranger
//   quota          URI spiffe://test.example/quota
class TestPki {
 public:
  static absl::StatusOr<TestPki> Create();

  const std::string& dir() const { return dir_; }
  std::string Pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string Key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

  // Channel options to reach `address` as client `name` (empty: no client
  // certificate), trusting CA `ca`.
  ChannelOptions As(const std::string& name, const std::string& address,
                    const std::string& ca = "ca") const;

 private:
  std::string dir_;
};

}  // namespace sts::testing

#endif  // STS_TESTS_HARNESS_TEST_PKI_H_
