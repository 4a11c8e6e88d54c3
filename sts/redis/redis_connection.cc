#include "sts/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "client/crypto/constant_time.h"

namespace sts::redis {
namespace {

std::string Errno(int e) { return std::strerror(e); }

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

// A non-blocking TCP socket whose every wait is a poll() bounded by the
// caller's deadline.
class RedisConnection::Socket final : public crypto::ByteChannel {
 public:
  static absl::StatusOr<std::unique_ptr<Socket>> Connect(const std::string& host, int port,
                                                         absl::Time deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    // Name resolution is the one step without a deadline (getaddrinfo has
    // none); use an address, or a resolver that answers locally, to keep
    // every call within redis.timeout.
    const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (resolved != 0) {
      return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ",
                                                 ::gai_strerror(resolved)));
    }
    absl::Cleanup free_found = [found] { ::freeaddrinfo(found); };
    std::string why = "no address";
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        why = Errno(errno);
        continue;
      }
      auto socket = std::unique_ptr<Socket>(new Socket(fd));
      if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
          why = Errno(errno);
          continue;
        }
        if (absl::Status s = socket->Wait(POLLOUT, deadline); !s.ok()) return s;
        int error = 0;
        socklen_t len = sizeof(error);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          why = Errno(error);
          continue;
        }
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return socket;
    }
    return absl::UnavailableError(absl::StrCat("cannot connect: ", why));
  }

  ~Socket() override { ::close(fd_); }

  absl::Status SendAll(absl::Span<const uint8_t> bytes, absl::Time deadline) override {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (absl::Status s = Wait(POLLOUT, deadline); !s.ok()) return s;
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) {
        return absl::AbortedError("the connection was closed by Redis");
      }
      return absl::UnavailableError(absl::StrCat("send: ", Errno(errno)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> Receive(absl::Span<uint8_t> buffer, absl::Time deadline) override {
    while (true) {
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (absl::Status s = Wait(POLLIN, deadline); !s.ok()) return s;
        continue;
      }
      if (errno == ECONNRESET) return 0;
      return absl::UnavailableError(absl::StrCat("recv: ", Errno(errno)));
    }
  }

 private:
  explicit Socket(int fd) : fd_(fd) {}

  absl::Status Wait(short events, absl::Time deadline) {
    while (true) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError("no answer within redis.timeout");
      }
      pollfd p{fd_, events, 0};
      const int ms = static_cast<int>(std::ceil(absl::ToDoubleMilliseconds(left)));
      const int ready = ::poll(&p, 1, ms);
      if (ready > 0) return absl::OkStatus();  // errors show in the next call
      if (ready < 0 && errno != EINTR) return absl::UnavailableError(absl::StrCat("poll: ", Errno(errno)));
    }
  }

  const int fd_;
};

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Open(const Endpoint& endpoint,
                                                                       absl::Time deadline) {
  auto connection = std::unique_ptr<RedisConnection>(new RedisConnection());
  absl::StatusOr<std::unique_ptr<Socket>> socket =
      Socket::Connect(endpoint.host, endpoint.port, deadline);
  if (!socket.ok()) return socket.status();
  connection->socket_ = *std::move(socket);
  if (endpoint.tls != nullptr) {
    absl::StatusOr<std::unique_ptr<crypto::TlsSession>> tls = crypto::TlsSession::Handshake(
        endpoint.tls, connection->socket_.get(),
        endpoint.server_name.empty() ? endpoint.host : endpoint.server_name, deadline);
    if (!tls.ok()) return tls.status();
    connection->tls_ = *std::move(tls);
  }
  connection->reader_ = redisReaderCreate();
  if (connection->reader_ == nullptr) return absl::ResourceExhaustedError("out of memory");
  if (endpoint.password != nullptr) {
    std::vector<std::string> auth;
    auth.reserve(3);  // no reallocation may leave a copy of the password behind
    auth.emplace_back("AUTH");
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.emplace_back(reinterpret_cast<const char*>(endpoint.password->data()),
                      endpoint.password->size());
    absl::StatusOr<RedisReply> reply = connection->Command(auth, deadline);
    crypto::SecureZero(auth.back().data(), auth.back().size());
    if (!reply.ok()) return absl::UnavailableError(std::string(reply.status().message()));
    if (reply->type == RedisReply::Type::kError) {
      return absl::PermissionDeniedError(absl::StrCat("AUTH refused: ", reply->text));
    }
  }
  return connection;
}

RedisConnection::~RedisConnection() {
  tls_.reset();  // before the socket it writes through
  if (reader_ != nullptr) redisReaderFree(reader_);
}

absl::Status RedisConnection::Send(const char* data, size_t size, absl::Time deadline) {
  const absl::Span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), size);
  return tls_ != nullptr ? tls_->Write(bytes, deadline) : socket_->SendAll(bytes, deadline);
}

absl::StatusOr<size_t> RedisConnection::Receive(char* buffer, size_t size, absl::Time deadline) {
  const absl::Span<uint8_t> span(reinterpret_cast<uint8_t*>(buffer), size);
  absl::StatusOr<size_t> n =
      tls_ != nullptr ? tls_->Read(span, deadline) : socket_->Receive(span, deadline);
  if (n.ok() && *n == 0) return absl::AbortedError("the connection was closed by Redis");
  return n;
}

absl::StatusOr<RedisReply> RedisConnection::Command(const std::vector<std::string>& args,
                                                    absl::Time deadline) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* command = nullptr;
  const int size =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (size < 0 || command == nullptr) return absl::ResourceExhaustedError("out of memory");
  {
    // The command may hold a secret (AUTH's password): wiped once sent.
    absl::Cleanup wipe = [command, size] {
      crypto::SecureZero(command, static_cast<size_t>(size));
      redisFreeCommand(command);
    };
    if (absl::Status s = Send(command, static_cast<size_t>(size), deadline); !s.ok()) return s;
  }
  bool got_bytes = false;
  char buffer[16 * 1024];
  while (true) {
    void* parsed = nullptr;
    if (redisReaderGetReply(reader_, &parsed) != REDIS_OK) {
      return absl::UnavailableError(absl::StrCat("protocol error: ", reader_->errstr));
    }
    if (parsed != nullptr) {
      RedisReply reply = Copy(static_cast<redisReply*>(parsed));
      freeReplyObject(parsed);
      return reply;
    }
    absl::StatusOr<size_t> n = Receive(buffer, sizeof(buffer), deadline);
    if (!n.ok()) {
      if (got_bytes && absl::IsAborted(n.status())) {
        return absl::UnavailableError("the connection was closed by Redis in mid-reply");
      }
      return n.status();
    }
    got_bytes = true;
    if (redisReaderFeed(reader_, buffer, *n) != REDIS_OK) {
      return absl::UnavailableError(absl::StrCat("protocol error: ", reader_->errstr));
    }
  }
}

}  // namespace sts::redis
