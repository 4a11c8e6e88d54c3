#include "tests/soak/raw_peers.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <vector>

#include "absl/time/clock.h"

namespace sts::soak {
namespace {

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads (and drops) what the server sends until it closes, or `bound`.
PeerEnd AwaitClose(int fd, absl::Duration bound, const std::atomic<bool>* stop) {
  const absl::Time deadline = absl::Now() + bound;
  char buffer[4096];
  while (true) {
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0) return PeerEnd::kStillOpen;
    if (*stop) return PeerEnd::kAbandoned;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, std::min(wait_ms, 200)) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return PeerEnd::kClosedByServer;
  }
}

}  // namespace

std::string PeerEndName(PeerEnd end) {
  switch (end) {
    case PeerEnd::kClosedByServer: return "closed by the server";
    case PeerEnd::kStillOpen: return "still open";
    case PeerEnd::kNoConnection: return "no connection";
    case PeerEnd::kAbandoned: return "abandoned";
  }
  return "?";
}

PeerEnd SendGarbage(int port, size_t bytes, absl::Duration bound,
                    const std::atomic<bool>* stop) {
  const int fd = Connect(port);
  if (fd < 0) return PeerEnd::kNoConnection;
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::vector<unsigned char> garbage(bytes);
  for (unsigned char& b : garbage) b = static_cast<unsigned char>(random());
  // The first two bytes are printable ASCII (a plaintext client on the TLS
  // port): random ones would now and then be a record header announcing
  // more bytes, which a server rightly waits for, like a stalled handshake:
  // 1 in ~500 has the high bit and message type of an SSLv2-style
  // ClientHello header, ~1 in 1000 a TLS record's major version 3 and a
  // length past what was sent.
  for (size_t i = 0; i < std::min<size_t>(2, garbage.size()); ++i) {
    garbage[i] = static_cast<unsigned char>(0x20 + random() % 0x5f);
  }
  ::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL);
  const PeerEnd end = AwaitClose(fd, bound, stop);
  ::close(fd);
  return end;
}

PeerEnd StallHandshake(int port, absl::Duration bound, const std::atomic<bool>* stop,
                       absl::Duration* held) {
  const absl::Time start = absl::Now();
  const int fd = Connect(port);
  if (fd < 0) return PeerEnd::kNoConnection;
  // TLS record: handshake (22), version 3.1, length 512; then the handshake
  // header: ClientHello (1), length 508, and the first bytes of its body
  // (client version 3.3). The server waits for the other ~500 bytes.
  const unsigned char partial[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
  ::send(fd, partial, sizeof(partial), MSG_NOSIGNAL);
  const PeerEnd end = AwaitClose(fd, bound, stop);
  *held = absl::Now() - start;
  ::close(fd);
  return end;
}

PeerEnd ConnectAndReset(int port) {
  const int fd = Connect(port);
  if (fd < 0) return PeerEnd::kNoConnection;
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  ::close(fd);
  return PeerEnd::kClosedByServer;
}

}  // namespace sts::soak
