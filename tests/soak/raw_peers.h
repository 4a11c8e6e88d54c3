#ifndef STS_TESTS_SOAK_RAW_PEERS_H_
#define STS_TESTS_SOAK_RAW_PEERS_H_

#include <atomic>
#include <string>

#include "absl/time/time.h"

namespace sts::soak {

// Clients that never speak TLS properly, on plain loopback sockets. Each
// call is one connection, bounded by `bound`, and says what the server did.
enum class PeerEnd {
  kClosedByServer,  // EOF or reset from the server
  kStillOpen,       // the server kept the connection past `bound`
  kNoConnection,    // connect() failed
  kAbandoned,       // `*stop` was set while waiting
};
std::string PeerEndName(PeerEnd end);

// Sends `bytes` random bytes (the first two printable, so that no record
// header announces more) where a ClientHello belongs, then waits for the
// server to close the connection.
PeerEnd SendGarbage(int port, size_t bytes, absl::Duration bound,
                    const std::atomic<bool>* stop);

// Starts a TLS handshake and stalls: a record header announcing a ClientHello
// of some hundred bytes, and only its first few bytes; then waits for the
// server to give up on it. `*held` is how long the connection stayed open.
PeerEnd StallHandshake(int port, absl::Duration bound, const std::atomic<bool>* stop,
                       absl::Duration* held);

// Connects and resets the connection at once (RST, no FIN).
PeerEnd ConnectAndReset(int port);

}  // namespace sts::soak

#endif  // STS_TESTS_SOAK_RAW_PEERS_H_
