#pragma once
// Group commit, written once for every backend. A GroupCommitter owns a store's write queue
// and its single writer thread: it takes up to max_batch queued WriteFns, runs them in one
// transaction, each inside its own savepoint (a failing WriteFn rolls back only itself),
// keeps the event chain head (seq, hash) across them, commits durably, and only then
// publishes the events to the commit listener and runs the completions in queue order.
//
// A backend supplies a WriterSession: begin (reading the chain head under the lock that
// keeps other writers out), savepoint, exec, insert one event row, release or roll back a
// savepoint, commit. A session may send statements without waiting for their answers
// (PostgreSQL's pipeline); such a statement's failure surfaces in BatchError() at the next
// check, and then the whole batch fails.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/status.h"
#include "store/event.h"
#include "store/store.h"
#include "store/value.h"

namespace centinela::store {

//! The last event of the log: the next event's seq is seq + 1 and its prev_hash is hash.
struct ChainHead {
  int64_t seq = 0;
  std::string hash;
};

//! One backend's writer connection as the group committer drives it. Used by the writer
//! thread only. Every method may be called after a failure of an earlier one.
class WriterSession {
 public:
  virtual ~WriterSession() = default;
  //! Starts a write transaction (reconnecting first when the connection was lost) and reads
  //! the chain head, holding whatever keeps other processes' writers out until the commit.
  virtual Result<ChainHead> Begin() = 0;
  //! Opens savepoint `i` of this batch; the i-th WriteFn runs inside it.
  virtual Status Savepoint(size_t i) = 0;
  //! Tx::Exec of the WriteFn running in the current savepoint.
  virtual Result<Rows> Exec(std::string_view sql, const Params& params) = 0;
  //! Inserts one event row (seq, time and hashes already set).
  virtual Status InsertEvent(const Event& event) = 0;
  //! A failure that dooms the current WriteFn even though it returned ok (PostgreSQL: after
  //! a failed statement its savepoint is aborted). Ok where the backend has no such rule.
  virtual Status WriteError() const { return Status::Ok(); }
  //! Non-ok once the transaction can no longer commit: the connection was lost, the database
  //! aborted the transaction, or a statement sent without waiting failed. `write_status` is
  //! the current WriteFn's result (the likely cause, for the message).
  virtual Status BatchError(const Status& write_status) = 0;
  //! Ends savepoint `i`: keeps its changes (RELEASE) or undoes them (ROLLBACK TO, RELEASE).
  virtual Status EndSavepoint(size_t i, bool keep) = 0;
  //! Writes `moved_head` when the batch appended events (null otherwise) and commits; ok
  //! means durable (fsync / synchronous commit).
  virtual Status Commit(const ChainHead* moved_head) = 0;
  //! Abandons the transaction after any failure (nothing when none is open).
  virtual void Rollback() = 0;
  //! Closes the connection; called once when the writer thread stops.
  virtual void Close() = 0;
};

struct GroupCommitOptions {
  std::string backend;  //!< "sqlite" / "postgresql": metrics label and log prefix
  int max_batch = 256;
  int max_queue = 100'000;
  const Clock* clock = nullptr;  //!< required
  Metrics* metrics = nullptr;    //!< optional
};

//! The write queue and writer thread of one store. Thread-safe.
class GroupCommitter {
 public:
  GroupCommitter(std::unique_ptr<WriterSession> session, GroupCommitOptions options);
  //! Closes (drains the queue) unless Close() ran already.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  //! Starts the writer thread. Call once, before the first Write.
  void Start();
  //! Store::Write: queues the write; `done` gets kUnavailable at once when the queue is full
  //! or the committer is closing.
  void Write(WriteFn fn, WriteDone done) EXCLUDES(mu_);
  //! Runs `task` on the writer thread between two batches, alone (SQLite's migrations use
  //! the writer connection). False when closing: the task will not run.
  bool RunOnWriter(std::function<void()> task) EXCLUDES(mu_);
  //! Store::SetCommitListener.
  void SetCommitListener(CommitListener listener) EXCLUDES(listener_mu_);
  bool closing() const EXCLUDES(mu_);
  //! True on the writer thread (in a completion or the commit listener).
  bool OnWriterThread() const { return std::this_thread::get_id() == writer_id_; }
  //! Stops accepting writes, finishes the queued ones, closes the session and joins the
  //! writer. Called from a completion (the writer thread) it only stops accepting: the
  //! writer then ends by itself after draining.
  void Close() EXCLUDES(mu_, close_mu_);

 private:
  //! One queued write, or a task that runs alone between batches.
  struct Pending {
    WriteFn fn;
    WriteDone done;
    std::function<void()> task;
    Status status;
    std::vector<Event> events;
  };

  void WriterLoop() EXCLUDES(mu_);
  void RunBatch(std::vector<Pending>& batch);
  //! Runs the batch's transaction; per-write results land in the Pending entries. A non-ok
  //! answer fails the whole batch (nothing committed, or the outcome is unknown).
  Status RunTransaction(std::vector<Pending>& batch);
  void Publish(const std::vector<Pending>& batch) EXCLUDES(listener_mu_);
  void Observe(const std::vector<Pending>& batch, double seconds);
  const Labels& ResultLabels(Code code) const;

  const std::unique_ptr<WriterSession> session_;  // writer thread only, once started
  GroupCommitOptions options_;
  const Labels backend_labels_;
  std::vector<Labels> result_labels_;  // by Code
  std::vector<Event> commit_events_;   // writer thread only; reused across batches

  mutable Mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_ GUARDED_BY(mu_);
  bool closing_ GUARDED_BY(mu_) = false;
  bool writer_idle_ GUARDED_BY(mu_) = false;

  Mutex close_mu_;  // serialises Close() callers
  std::thread writer_ GUARDED_BY(close_mu_);
  std::thread::id writer_id_;  // set by Start(), read-only afterwards

  Mutex listener_mu_;
  std::shared_ptr<const CommitListener> listener_ GUARDED_BY(listener_mu_);
};

}  // namespace centinela::store
