#ifndef STS_TESTS_DRILLS_LIFECYCLE_LOAD_H_
#define STS_TESTS_DRILLS_LIFECYCLE_LOAD_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "sts/v1/sts.pb.h"
#include "tests/harness/test_pki.h"

namespace sts::testing {

// Load for the drills: threads that each take security contexts through
// their whole life on the STS at `address()` (re-read whenever a thread
// reconnects, so a restarted server on a new port is found): Issue for the
// relying party, Validate as the relying party, Renew, Validate, Cancel,
// Validate. Each thread has its own connection.
//
// Every answer is tallied as an outcome ("Issue OK", "Renew UNAVAILABLE
// wst:RequestFailed", "Validate valid", "Validate valid, revocation state
// unknown, no keys", ...). An answer that contradicts what the STS already
// acknowledged (a context whose Cancel succeeded validating with keys, or
// one just issued or renewed validating as anything but valid while the
// answer is not marked provisional) is tallied under an outcome starting
// with "VIOLATION".
//
// The ledger keeps what the STS acknowledged: each context's latest token
// and whether its Cancel succeeded, for every context none of whose Renew or
// Cancel calls is in doubt (sent without an answer, or refused midway).
// Thread safe.
class LifecycleLoad {
 public:
  struct Acknowledged {
    sts::v1::SecurityContextToken token;  // the latest instance granted
    bool cancelled = false;
  };

  LifecycleLoad(const TestPki& pki, std::function<std::string()> address, int threads,
                absl::Duration call_timeout = absl::Seconds(5));
  ~LifecycleLoad();  // Stop()

  void Start();
  void Stop();  // joins the threads; idempotent

  std::map<std::string, int> outcomes() const;
  int count(const std::string& outcome) const;
  // Outcomes whose name starts with "VIOLATION".
  int violations() const;
  std::vector<Acknowledged> ledger() const;
  // Completed lifecycles (the final Validate done).
  int lifecycles() const { return lifecycles_.load(); }

 private:
  void Run();
  void Note(const std::string& outcome);
  void Settle(const Acknowledged& context);

  const TestPki& pki_;
  std::function<std::string()> address_;
  int threads_;
  absl::Duration call_timeout_;
  std::atomic<bool> stop_{false};
  std::atomic<int> lifecycles_{0};
  std::vector<std::thread> running_;
  mutable std::mutex mu_;
  std::map<std::string, int> outcomes_;  // guarded by mu_
  std::vector<Acknowledged> ledger_;     // guarded by mu_
};

}  // namespace sts::testing

#endif  // STS_TESTS_DRILLS_LIFECYCLE_LOAD_H_
