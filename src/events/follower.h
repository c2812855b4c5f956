#pragma once
// LogFollower: publishes to the in-process Bus every event of the log, whichever node wrote
// it, exactly once and in seq order. Used instead of Bus::Attach when several processes
// share one database (PostgreSQL).
//
// How: the follower is the store's commit listener. A local commit whose first seq is the
// one after the last published is published at once, on the writer thread (the usual
// in-process path, no extra I/O). Any other commit means another node wrote in between: the
// follower's thread then reads the log (Store::ReadEvents, seq > last published) and
// publishes what it finds, local events included. The thread also wakes on every commit
// notification of the store's CommitFeed (PostgreSQL LISTEN/NOTIFY) and on a safety poll.
// A lost LISTEN connection is reopened with exponential backoff and followed by a catch-up
// read of the log, so notifications lost meanwhile lose no events.
//
// Guarantee: the Bus sees seqs last+1, last+2, ... with no gap and no duplicate, where
// `last` is the log head at Start() (or FollowerOptions::start_after).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/metrics.h"
#include "common/mutex.h"
#include "common/status.h"
#include "events/bus.h"
#include "store/store.h"

namespace centinela::events {

struct FollowerOptions {
  int poll_ms = 1000;          //!< safety poll of the log when no notification arrives
  int read_batch = 1000;       //!< events per ReadEvents during a catch-up
  int min_backoff_ms = 100;    //!< first delay before reopening a lost LISTEN connection
  int max_backoff_ms = 5000;   //!< delay cap, doubling from min_backoff_ms
  int64_t start_after = -1;    //!< publish events after this seq; -1: the log head at Start
  Metrics* metrics = nullptr;  //!< optional: centinela_follower_* families
};

//! Follows the event log of `store` into `bus`. Start once, Stop (or destroy) once. The store
//! and the bus must outlive the follower; after Stop the follower never touches them again.
class LogFollower {
 public:
  LogFollower(store::Store& store, Bus& bus, FollowerOptions options = {});
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  //! Reads the head, becomes the store's commit listener and starts the follower thread.
  //! A CommitFeed that cannot be opened now is retried in the background (not an error).
  Status Start();
  //! Stops the thread and detaches from the store. Idempotent.
  void Stop();

  //! Seq of the last event published to the bus.
  int64_t Published() const;
  //! Times the LISTEN connection was reopened after a loss.
  uint64_t Reconnects() const { return reconnects_.load(); }
  //! Reads the log now (from any thread), publishing what is new; for tests and shutdown.
  Status CatchUp();

 private:
  //! State shared with the store's commit listener, which may still be running (on the
  //! writer thread) while Stop detaches it; `stopped` makes such a late call a no-op.
  struct Core {
    Mutex mu;
    int64_t last GUARDED_BY(mu) = 0;  // seq of the last published event
    bool stopped GUARDED_BY(mu) = false;
    Bus* bus = nullptr;
    Metrics* metrics = nullptr;
    std::atomic<int64_t> known_head{0};  // highest seq heard of (notifications, commits)
    std::atomic<bool> behind{false};     // a local commit could not be published: read the log
  };

  static void OnLocalCommit(Core& core, const std::vector<store::Event>& events) REQUIRES(core.mu);
  //! Publishes the events that continue `core.last`; skips ones already published.
  //! Returns how many were published.
  static size_t PublishContinuation(Core& core, const std::vector<store::Event>& events,
                                    const char* source) REQUIRES(core.mu);
  static void UpdateLag(Core& core) REQUIRES(core.mu);
  void Run();
  void Wake();
  void SleepFor(int ms);

  store::Store& store_;
  FollowerOptions options_;
  std::shared_ptr<Core> core_ = std::make_shared<Core>();

  std::unique_ptr<store::CommitFeed> feed_;  // follower thread only
  Mutex feed_mu_;                       // guards the pointer for Wake() from others
  store::CommitFeed* feed_for_wake_ GUARDED_BY(feed_mu_) = nullptr;

  Mutex run_mu_;
  std::condition_variable run_cv_;
  bool stop_ GUARDED_BY(run_mu_) = false;
  bool wake_flag_ GUARDED_BY(run_mu_) = false;
  Mutex catchup_mu_;    // one catch-up read at a time
  std::atomic<uint64_t> reconnects_{0};
  std::thread thread_;
  bool started_ = false;
};

}  // namespace centinela::events
