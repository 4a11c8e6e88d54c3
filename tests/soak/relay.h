#ifndef STS_TESTS_SOAK_RELAY_H_
#define STS_TESTS_SOAK_RELAY_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sts::soak {

// A loopback TCP relay in front of the STS that misbehaves on the client's
// behalf at the TCP level, where a gRPC client cannot: the TLS session and
// the calls stay end to end between a real gRPC client and the server, and
// the relay only moves their bytes.
//   - slow reader: bytes from the server are passed on at most
//     `down_bytes_per_tick` per `tick`, from a socket with a small receive
//     buffer, so the server's writes back up as they would to a client that
//     reads slowly;
//   - abrupt disconnect: after `cut_after_down_bytes` bytes from the server,
//     both connections are reset (RST, no FIN), mid-handshake or mid-call.
// Each accepted connection gets two threads; connections end when either
// side closes. Thread safe; the destructor closes everything and joins.
class Relay {
 public:
  struct Options {
    int target_port = 0;  // on 127.0.0.1
    size_t down_bytes_per_tick = 0;  // 0: no throttle
    absl::Duration tick = absl::Milliseconds(100);
    int64_t cut_after_down_bytes = -1;  // < 0: never
    int receive_buffer_bytes = 0;       // on the server side; 0: the default
  };

  static absl::StatusOr<std::unique_ptr<Relay>> Start(const Options& options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  int port() const { return port_; }
  // Connections accepted so far, and those cut (reset) on purpose.
  int accepted() const { return accepted_.load(); }
  int cut() const { return cut_.load(); }

 private:
  explicit Relay(const Options& options) : options_(options) {}
  void AcceptLoop();
  void Serve(int client_fd);

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> cut_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
  std::vector<int> open_fds_;             // guarded by mu_
};

}  // namespace sts::soak

#endif  // STS_TESTS_SOAK_RELAY_H_
