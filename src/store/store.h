#pragma once
// The Store: every durable byte of Centinela goes through this interface. Two backends
// implement it (sqlite/, postgres/); one conformance suite (tests/unit/store) runs on both.
//
// SQL written against a Store is portable: placeholders are $1..$n, values are the four
// kinds in value.h, timestamps are int64 milliseconds; no backend-specific functions.
//
// Writes: every state change is a WriteFn run on the store's single writer. Concurrent
// writes are group-committed: several WriteFns share one transaction, each inside its own
// savepoint (a failing WriteFn rolls back only itself), and the transaction is made durable
// (fsync / synchronous commit) before any of their completions run. So a completion with an
// ok Status means the state rows and the event rows are on disk.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/env.h"
#include "common/metrics.h"
#include "common/status.h"
#include "store/event.h"
#include "store/value.h"

namespace centinela::store {

//! A write transaction as seen by one WriteFn. Used only on the writer thread, only while
//! the WriteFn runs.
class Tx {
 public:
  virtual ~Tx() = default;
  //! Runs one statement. Constraint violations come back as kConflict.
  virtual Result<Rows> Exec(std::string_view sql, const Params& params = {}) = 0;
  //! Appends one event to the log in this transaction, assigning seq, time and hashes.
  virtual Result<Event> Append(const EventDraft& draft) = 0;
  //! Time of this transaction (the store's clock), for rows written with it.
  virtual int64_t NowMs() const = 0;
};

//! Body of a write. Return a non-ok Status to roll back everything this WriteFn did.
using WriteFn = std::function<Status(Tx&)>;
//! Called once per write after commit (ok: durable) or failure. Runs on the writer thread:
//! it must be quick and must not block (post to another executor to do real work).
//! `events` are the events this write appended, in seq order.
using WriteDone = std::function<void(Status, std::vector<Event> events)>;
//! Called after every durable commit with all of its events in seq order, on the writer
//! thread, before the WriteDone callbacks of that commit.
using CommitListener = std::function<void(const std::vector<Event>&)>;

//! Wakes a follower of the event log when a commit may have been made by ANY process that
//! shares the database (see events/follower.h). PostgreSQL: a dedicated connection LISTENing
//! on the store's channel; every write transaction NOTIFYs it with its last seq, which the
//! server delivers only on commit. Not thread-safe except Wake(): one follower thread owns it.
class CommitFeed {
 public:
  virtual ~CommitFeed() = default;
  //! Blocks up to timeout_ms for notifications. Returns the highest seq announced since the
  //! previous call, 0 when none arrived (timeout or Wake). kUnavailable when the connection is
  //! lost: discard the feed, open a new one later and catch up from the log, since
  //! notifications sent meanwhile are gone.
  virtual Result<int64_t> Wait(int timeout_ms) = 0;
  //! Makes the current (or the next) Wait return at once. Any thread; never blocks.
  virtual void Wake() = 0;
  //! Notifications received so far (for metrics and tests).
  virtual uint64_t Notifications() const = 0;
};

struct StoreOptions {
  int reader_connections = 4;       //!< SQLite reader pool size / PostgreSQL read pool
  int max_batch = 256;              //!< most WriteFns group-committed in one transaction
  int max_queue = 100'000;          //!< pending writes before Write answers kUnavailable
  int busy_timeout_ms = 5000;       //!< SQLite busy timeout
  bool synchronous_full = true;     //!< SQLite: fsync the WAL on every commit
  const Clock* clock = nullptr;     //!< defaults to a SystemClock owned by the store
  Metrics* metrics = nullptr;       //!< optional: store_commit_seconds, store_batch_size
  //! SQLite: where its fsyncs go (common/env.h); null = Env::Default(), the real disk.
  Env* env = nullptr;
};

//! Largest page ReadEvents returns, whatever the caller asks for (every backend).
constexpr int kMaxReadEventsPage = 10'000;

//! Storage backend. Thread-safe: any thread may call any method.
class Store {
 public:
  virtual ~Store() = default;

  //! "sqlite" or "postgresql".
  virtual std::string Backend() const = 0;
  //! Applies pending versioned migrations; returns the schema version reached.
  virtual Result<int> Migrate() = 0;
  //! Current schema version (0 on an empty database).
  virtual Result<int> SchemaVersion() = 0;
  //! Cheap round trip that proves the database answers (for /readyz).
  virtual Status Ping() = 0;

  //! Queues a write; `done` runs after the group commit that includes it. Never blocks on
  //! I/O. When the queue is full or the store is closing, `done` gets kUnavailable at once.
  virtual void Write(WriteFn fn, WriteDone done) = 0;
  //! Blocking convenience over Write for CLI paths and tests.
  Status WriteSync(WriteFn fn, std::vector<Event>* events = nullptr);

  //! Read-only statement on a reader connection; sees every acknowledged write.
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;

  //! Events with seq > after_seq in seq order, at most min(limit, kMaxReadEventsPage).
  virtual Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) = 0;
  //! Highest committed seq (0 when the log is empty).
  virtual Result<int64_t> LastSeq() = 0;

  //! Registers the listener that sees every commit's events (the in-process bus). One only.
  virtual void SetCommitListener(CommitListener listener) = 0;

  //! Opens a feed of commits made by every process sharing this database. nullptr when this
  //! process is the only writer (SQLite): then the commit listener sees every event.
  virtual Result<std::unique_ptr<CommitFeed>> OpenCommitFeed() {
    return std::unique_ptr<CommitFeed>();
  }

  //! Stops accepting writes, finishes the queued ones, and closes connections.
  virtual void Close() = 0;
};

//! Opens the backend named by url: "sqlite:PATH" (PATH may be relative) or
//! "postgresql://..." / "postgres://...". Does not migrate.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options);

}  // namespace centinela::store
