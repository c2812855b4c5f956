#pragma once
// Counts a service's writes still queued in a Store so that its destructor can wait for
// them: their completions run on the writer thread and touch the service. Thread-safe.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "store/store.h"

namespace centinela::store {

class InflightWrites {
 public:
  explicit InflightWrites(Store& store) : store_(store) {}
  //! Waits for every write submitted through this object.
  ~InflightWrites() { Drain(); }
  InflightWrites(const InflightWrites&) = delete;
  InflightWrites& operator=(const InflightWrites&) = delete;

  //! Store::Write with the count kept; `done` sees the events the write appended.
  void Submit(WriteFn fn, std::function<void(Status, std::vector<Event>)> done) {
    {
      std::lock_guard lock(mu_);
      ++count_;
    }
    store_.Write(std::move(fn), [this, done = std::move(done)](Status s, std::vector<Event> ev) {
      done(std::move(s), std::move(ev));
      std::lock_guard lock(mu_);
      if (--count_ == 0) cv_.notify_all();
    });
  }

  void Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;  // guarded by mu_
};

}  // namespace centinela::store
