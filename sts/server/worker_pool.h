#ifndef STS_SERVER_WORKER_POOL_H_
#define STS_SERVER_WORKER_POOL_H_

// A fixed set of threads for the calls that may block on Redis, so that a
// slow Redis holds these threads and never the completion-queue threads that
// serve every other call (docs/ARCHITECTURE.md, section 6).
//
// Bounded twice: `threads` run at once, and at most `max_waiting` more wait.
// Past that, TrySubmit refuses and the caller answers at once (UNAVAILABLE),
// instead of queueing without bound while clients time out anyway.
// Shutdown() stops taking tasks, runs every task already taken (each owes its
// call an answer), and joins. Thread safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sts::server {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_waiting);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Takes `task` unless max_waiting tasks wait already or the pool is shut
  // down; false then, and `task` is not run.
  bool TrySubmit(std::function<void()> task);

  void Shutdown();

 private:
  void Loop();

  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> waiting_;  // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sts::server

#endif  // STS_SERVER_WORKER_POOL_H_
