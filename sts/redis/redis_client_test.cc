// RedisClient against a scripted stand-in for Redis on loopback: which error
// replies are "retry later" (UNAVAILABLE) and which are faults (INTERNAL),
// and that a connection that answered "not ready" is not reused.
#include "sts/redis/redis_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::redis {
namespace {

// Accepts connections one after another and answers each command it reads
// with the next scripted reply (raw RESP), in order.
class ScriptedRedis {
 public:
  ScriptedRedis() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t size = sizeof(addr);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedRedis() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  void Then(const std::string& reply) {
    std::lock_guard<std::mutex> lock(mu_);
    replies_.push_back(reply);
  }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  void Serve() {
    while (true) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      char buffer[4096];
      // One read per command: the client sends each command in one write
      // and waits for its answer.
      while (::read(fd, buffer, sizeof(buffer)) > 0) {
        std::string reply;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (replies_.empty()) break;
          reply = replies_.front();
          replies_.pop_front();
        }
        if (::write(fd, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) break;
      }
      ::close(fd);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<std::string> replies_;
  std::atomic<int> connections_{0};
};

RedisClient::Options OptionsFor(const ScriptedRedis& redis) {
  RedisClient::Options options;
  options.port = redis.port();
  options.timeout = absl::Seconds(5);
  return options;
}

TEST(RedisClientTest, ARedisStillLoadingItsDataIsUnavailableAndItsConnectionIsNotReused) {
  ScriptedRedis redis;
  RedisClient client(OptionsFor(redis));
  redis.Then("-LOADING Redis is loading the dataset in memory\r\n");
  absl::StatusOr<RedisReply> loading = client.Run({"GET", "k"});
  EXPECT_EQ(loading.status().code(), absl::StatusCode::kUnavailable) << loading.status();
  EXPECT_EQ(wire::FaultNameOf(loading.status()), "wst:RequestFailed");
  // The caller is told to retry, not what Redis said or where it is.
  EXPECT_EQ(loading.status().message().find("LOADING"), std::string::npos);
  EXPECT_EQ(loading.status().message().find(std::to_string(redis.port())), std::string::npos);

  redis.Then("+PONG\r\n");
  absl::StatusOr<RedisReply> ready = client.Run({"PING"});
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->text, "PONG");
  EXPECT_EQ(redis.connections(), 2);
}

TEST(RedisClientTest, EveryNotReadyReplyIsUnavailable) {
  for (const char* error : {"LOADING", "BUSY Redis is busy running a script", "MASTERDOWN Link down",
                            "TRYAGAIN", "CLUSTERDOWN The cluster is down",
                            "READONLY You can't write against a read only replica."}) {
    ScriptedRedis redis;
    RedisClient client(OptionsFor(redis));
    redis.Then(std::string("-") + error + "\r\n");
    absl::StatusOr<RedisReply> reply = client.Run({"SET", "k", "v"});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << error;
  }
}

TEST(RedisClientTest, AnyOtherErrorReplyIsInternalAndTheConnectionStaysPooled) {
  ScriptedRedis redis;
  RedisClient client(OptionsFor(redis));
  // A word that merely starts like a transient one is not one.
  for (const char* error : {"ERR unknown command 'NOPE'", "LOADINGX odd", "NOPERM no access"}) {
    redis.Then(std::string("-") + error + "\r\n");
    absl::StatusOr<RedisReply> reply = client.Run({"NOPE"});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal) << error;
    EXPECT_EQ(wire::FaultNameOf(reply.status()), "wst:RequestFailed");
  }
  EXPECT_EQ(redis.connections(), 1);
}

}  // namespace
}  // namespace sts::redis
