#include "tests/soak/relay.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/time/clock.h"

namespace sts::soak {
namespace {

int ConnectLoopback(int port, int receive_buffer_bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
  }
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

// Closes with RST instead of FIN.
void Reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  ::shutdown(fd, SHUT_RDWR);
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Waits up to 100 ms for `fd` to be readable; false on timeout.
bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 100) > 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Relay>> Relay::Start(const Options& options) {
  std::unique_ptr<Relay> relay(new Relay(options));
  relay->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (relay->listen_fd_ < 0 ||
      ::bind(relay->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(relay->listen_fd_, 64) != 0 ||
      ::getsockname(relay->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return absl::InternalError("relay: cannot listen on loopback");
  }
  relay->port_ = ntohs(addr.sin_port);
  relay->acceptor_ = std::thread([r = relay.get()] { r->AcceptLoop(); });
  return relay;
}

void Relay::AcceptLoop() {
  while (!stop_) {
    if (!Readable(listen_fd_)) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++accepted_;
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      ::close(client);
      return;
    }
    connections_.emplace_back([this, client] { Serve(client); });
  }
}

void Relay::Serve(int client) {
  const int server = ConnectLoopback(options_.target_port, options_.receive_buffer_bytes);
  if (server < 0) {
    ::close(client);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(client);
    open_fds_.push_back(server);
  }
  std::atomic<bool> done{false};
  // Client to server: at once.
  std::thread up([&] {
    char buffer[16384];
    while (!done && !stop_) {
      if (!Readable(client)) continue;
      const ssize_t n = ::recv(client, buffer, sizeof(buffer), 0);
      if (n <= 0 || !WriteAll(server, buffer, static_cast<size_t>(n))) break;
    }
    done = true;
  });
  // Server to client: throttled, and cut when told to.
  int64_t down = 0;
  bool cut = false;
  char buffer[16384];
  while (!done && !stop_) {
    if (!Readable(server)) continue;
    size_t want = sizeof(buffer);
    if (options_.down_bytes_per_tick > 0) want = std::min(want, options_.down_bytes_per_tick);
    if (options_.cut_after_down_bytes >= 0) {
      want = std::min<size_t>(want, static_cast<size_t>(
                                        std::max<int64_t>(1, options_.cut_after_down_bytes - down)));
    }
    const ssize_t n = ::recv(server, buffer, want, 0);
    if (n <= 0 || !WriteAll(client, buffer, static_cast<size_t>(n))) break;
    down += n;
    if (options_.cut_after_down_bytes >= 0 && down >= options_.cut_after_down_bytes) {
      cut = true;
      break;
    }
    if (options_.down_bytes_per_tick > 0) absl::SleepFor(options_.tick);
  }
  done = true;
  if (cut) {
    ++cut_;
    Reset(client);
    Reset(server);
  } else {
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(server, SHUT_RDWR);
  }
  up.join();
  std::lock_guard<std::mutex> lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), client), open_fds_.end());
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), server), open_fds_.end());
  ::close(client);
  ::close(server);
}

Relay::~Relay() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

}  // namespace sts::soak
