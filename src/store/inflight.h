#pragma once
// Counts a service's writes still queued in a Store so that its destructor can wait for
// them: their completions run on the writer thread and touch the service. Thread-safe.

#include <condition_variable>
#include <functional>
#include <utility>
#include <vector>

#include "common/mutex.h"
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
  void Submit(WriteFn fn, std::function<void(Status, std::vector<Event>)> done) EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      ++count_;
    }
    store_.Write(std::move(fn), [this, done = std::move(done)](Status s, std::vector<Event> ev) {
      done(std::move(s), std::move(ev));
      MutexLock lock(mu_);
      if (--count_ == 0) cv_.notify_all();
    });
  }

  void Drain() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    cv_.wait(lock.Native(), [this] {
      mu_.AssertHeld();
      return count_ == 0;
    });
  }

 private:
  Store& store_;
  Mutex mu_;
  std::condition_variable cv_;
  int count_ GUARDED_BY(mu_) = 0;
};

}  // namespace centinela::store
