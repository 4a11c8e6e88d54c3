#include "sts/server/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"

namespace sts::server {
namespace {

// A gate the tasks wait at, so the test decides when they finish.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(WorkerPoolTest, RefusesPastItsBoundAndRunsEverythingItTook) {
  WorkerPool pool(/*threads=*/2, /*max_waiting=*/3);
  Gate gate;
  std::atomic<int> started{0}, done{0};
  auto task = [&] {
    started.fetch_add(1);
    gate.Wait();
    done.fetch_add(1);
  };
  ASSERT_TRUE(pool.TrySubmit(task));
  ASSERT_TRUE(pool.TrySubmit(task));
  // Both threads are busy once both tasks started; then three may wait.
  while (started.load() < 2) std::this_thread::yield();
  EXPECT_TRUE(pool.TrySubmit(task));
  EXPECT_TRUE(pool.TrySubmit(task));
  EXPECT_TRUE(pool.TrySubmit(task));
  EXPECT_FALSE(pool.TrySubmit(task));  // full: refused, not queued
  gate.Open();
  pool.Shutdown();  // runs what it took
  EXPECT_EQ(done.load(), 5);
  EXPECT_FALSE(pool.TrySubmit(task));  // shut down
  EXPECT_EQ(done.load(), 5);
}

TEST(WorkerPoolTest, ShutdownRunsTheTasksStillWaiting) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1, 100);
    Gate gate;
    ASSERT_TRUE(pool.TrySubmit([&] {
      gate.Wait();
      done.fetch_add(1);
    }));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.TrySubmit([&] { done.fetch_add(1); }));
    gate.Open();
  }  // the destructor shuts down
  EXPECT_EQ(done.load(), 11);
}

}  // namespace
}  // namespace sts::server
