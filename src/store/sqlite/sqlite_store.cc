#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/hash.h"
#include "store/migrations.h"

namespace centinela::store {
namespace {

// Most distinct statements one connection keeps prepared. Callers normally use a fixed set
// of SQL texts; this only bounds the cache if someone builds SQL dynamically.
constexpr size_t kMaxCachedStatements = 512;
// Largest page ReadEvents returns, whatever the caller asks for.
constexpr int kMaxReadEventsPage = 10'000;
// The WAL is truncated back to this size after a checkpoint resets it.
constexpr int64_t kJournalSizeLimitBytes = 64LL << 20;
constexpr int kWriterCacheKiB = 64 * 1024;  // PRAGMA cache_size of the writer

const char* const kBackend = "sqlite";

// ---------------------------------------------------------------------------------------
// Errors

Status StatusFromSqlite(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string msg = fmt::format("sqlite {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (primary) {
    case SQLITE_CONSTRAINT:
      // sqlite3_errmsg names the constraint ("UNIQUE constraint failed: users.email") and
      // never quotes the offending values.
      return Conflict(db ? std::string(sqlite3_errmsg(db)) : "constraint failed");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

// ---------------------------------------------------------------------------------------
// Connections and their prepared-statement caches

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

//! A prepared statement plus how its `$n` placeholders map to SQLite bind indexes.
struct CachedStmt {
  StmtPtr stmt;
  std::vector<int> slot_to_param;  // bind index i+1 takes params[slot_to_param[i]]
  size_t param_count = 0;          // highest $n used
  bool read_only = false;
  bool transaction_control = false;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool StartsWithKeyword(std::string_view sql, std::string_view kw) {
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (sql.size() - i < kw.size()) return false;
  for (size_t k = 0; k < kw.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != kw[k]) return false;
  size_t end = i + kw.size();
  return end == sql.size() || !std::isalnum(static_cast<unsigned char>(sql[end]));
}

bool IsTransactionControl(std::string_view sql) {
  for (std::string_view kw : {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
    if (StartsWithKeyword(sql, kw)) return true;
  return false;
}

//! One sqlite3 handle and its statement cache. Not thread-safe: used by one thread at a
//! time (the writer thread, or whoever holds the reader lease).
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { Close(); }

  Status Open(const std::string& path, bool read_only, int busy_timeout_ms) {
    const int flags = (read_only ? SQLITE_OPEN_READONLY
                                 : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
                      SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      Status s = Internal(fmt::format("sqlite open {}: {}", path,
                                      db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
      Close();
      return s;
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    return Status::Ok();
  }

  void Close() {
    cache_.clear();  // finalize every statement before closing the handle
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  sqlite3* db() const { return db_; }

  //! Runs SQL text with no parameters and no result (pragmas, BEGIN/COMMIT, DDL).
  Status ExecScript(const char* sql, std::string_view what) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    sqlite3_free(err);  // sqlite3_errmsg still holds the message
    if (rc != SQLITE_OK) return StatusFromSqlite(db_, rc, what);
    return Status::Ok();
  }

  //! The cached statement for `sql`, preparing it on first use.
  Result<CachedStmt*> Prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
    if (sql.size() > static_cast<size_t>(INT32_MAX)) return InvalidArgument("SQL text too long");
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) return StatusFromSqlite(db_, rc, "prepare");
    if (!stmt) return InvalidArgument("empty SQL statement");
    // tail points into `sql`, which need not be NUL-terminated: check by offset.
    for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
      if (*p != ';' && !std::isspace(static_cast<unsigned char>(*p)))
        return InvalidArgument("one statement per call: found text after the first statement");
    }
    CachedStmt c;
    const int n = sqlite3_bind_parameter_count(stmt.get());
    c.slot_to_param.resize(static_cast<size_t>(n));
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt.get(), i);
      int num = 0;
      if (name == nullptr || name[0] != '$' || name[1] == '\0') {
        return InvalidArgument("placeholders must be $1..$n");
      }
      const char* end = name + std::strlen(name);
      auto [ptr, ec] = std::from_chars(name + 1, end, num);
      if (ec != std::errc() || ptr != end || num < 1) {
        return InvalidArgument("placeholders must be $1..$n");
      }
      c.slot_to_param[static_cast<size_t>(i - 1)] = num - 1;
      c.param_count = std::max(c.param_count, static_cast<size_t>(num));
    }
    c.read_only = sqlite3_stmt_readonly(stmt.get()) != 0;
    c.transaction_control = IsTransactionControl(sql);
    c.stmt = std::move(stmt);
    if (cache_.size() >= kMaxCachedStatements) cache_.clear();  // no statement is mid-step here
    auto [it, inserted] = cache_.emplace(std::string(sql), std::move(c));
    return &it->second;
  }

  //! Prepares (cached), binds `params` to $1..$n, steps to completion and collects rows.
  Result<Rows> Run(std::string_view sql, const Params& params, bool reader) {
    Result<CachedStmt*> prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    CachedStmt& c = **prepared;
    if (c.transaction_control)
      return InvalidArgument("transaction control statements are managed by the store");
    if (reader && !c.read_only) return InvalidArgument("Query runs read-only statements only");
    if (params.size() != c.param_count) {
      return InvalidArgument(fmt::format("statement uses {} parameters ($1..${}) but {} given",
                                         c.param_count, c.param_count, params.size()));
    }
    sqlite3_stmt* st = c.stmt.get();
    for (size_t i = 0; i < c.slot_to_param.size(); ++i) {
      const Value& v = params[static_cast<size_t>(c.slot_to_param[i])];
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (auto* iv = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, idx, *iv);
      } else if (auto* dv = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, idx, *dv);
      } else if (auto* sv = std::get_if<std::string>(&v)) {
        // SQLITE_STATIC: params outlive the step loop below.
        rc = sqlite3_bind_text64(st, idx, sv->data(), sv->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(st, idx);
      }
      if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return StatusFromSqlite(db_, rc, "bind");
      }
    }

    Rows out;
    const int ncol = sqlite3_column_count(st);
    out.columns.reserve(static_cast<size_t>(ncol));
    for (int i = 0; i < ncol; ++i) {
      const char* name = sqlite3_column_name(st, i);
      out.columns.emplace_back(name ? name : "");
    }
    // sqlite3_changes keeps the count of the last INSERT/UPDATE/DELETE even across DDL and
    // SELECTs; only trust it when this statement changed something.
    const int64_t total_before = sqlite3_total_changes64(db_);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<Value>& row = out.rows.emplace_back();
      row.reserve(static_cast<size_t>(ncol));
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, i)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(st, i));
            break;
          case SQLITE_TEXT: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            row.emplace_back(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i))));
            break;
          }
          case SQLITE_BLOB: {
            auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
            row.emplace_back(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i))));
            break;
          }
          default:
            row.emplace_back(std::monostate{});
        }
      }
    }
    if (rc != SQLITE_DONE) {
      Status s = StatusFromSqlite(db_, rc, "step");
      sqlite3_reset(st);
      return s;
    }
    out.affected = sqlite3_total_changes64(db_) != total_before ? sqlite3_changes64(db_) : 0;
    // Reset at once: a statement left mid-way would pin a reader's WAL snapshot.
    sqlite3_reset(st);
    return out;
  }

  //! Steps a cached statement that returns no rows; for the writer's own statements.
  Status Step(std::string_view sql, std::string_view what) {
    Result<CachedStmt*> prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    int rc = sqlite3_step(st);
    Status s = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? Status::Ok()
                                                       : StatusFromSqlite(db_, rc, what);
    sqlite3_reset(st);
    return s;
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, CachedStmt, StringHash, std::equal_to<>> cache_;
};

// ---------------------------------------------------------------------------------------
// SQL the store runs itself

constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
constexpr std::string_view kSavepoint = "SAVEPOINT centinela_write";
constexpr std::string_view kRollbackTo = "ROLLBACK TO centinela_write";
constexpr std::string_view kRelease = "RELEASE centinela_write";
constexpr std::string_view kReadHead = "SELECT seq, hash FROM event_head WHERE id = 1";
constexpr std::string_view kWriteHead = "UPDATE event_head SET seq = $1, hash = $2 WHERE id = 1";
constexpr std::string_view kInsertEvent =
    "INSERT INTO events (seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kReadEvents =
    "SELECT seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash FROM events "
    "WHERE seq > $1 ORDER BY seq LIMIT $2";

std::string ColumnText(sqlite3_stmt* st, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i)));
}

void BindText(sqlite3_stmt* st, int idx, const std::string& s) {
  sqlite3_bind_text64(st, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

// ---------------------------------------------------------------------------------------
// The store

struct ChainHead {
  int64_t seq = 0;
  std::string hash;
};

//! One queued write, or a control task (migration) that runs alone between batches.
struct Pending {
  WriteFn fn;
  WriteDone done;
  std::function<void()> control;
  Status status;
  std::vector<Event> events;
};

class SqliteStore;

//! The Tx handed to each WriteFn of a batch. Lives on the writer thread for one batch.
class SqliteTx final : public Tx {
 public:
  SqliteTx(Connection& conn, int64_t now_ms) : conn_(conn), now_ms_(now_ms) {}

  Result<Rows> Exec(std::string_view sql, const Params& params) override {
    return conn_.Run(sql, params, /*reader=*/false);
  }

  Result<Event> Append(const EventDraft& draft) override {
    if (!head_loaded_) {
      Status s = LoadHead();
      if (!s.ok()) return s;
    }
    Event e;
    e.seq = head_.seq + 1;
    e.time_ms = now_ms_;
    e.type = draft.type;
    e.actor = draft.actor;
    e.subject = draft.subject;
    e.scope = draft.scope;
    e.payload = draft.payload;
    e.prev_hash = head_.hash;
    e.hash = ComputeEventHash(e);

    Result<CachedStmt*> prepared = conn_.Prepare(kInsertEvent);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    sqlite3_bind_int64(st, 1, e.seq);
    sqlite3_bind_int64(st, 2, e.time_ms);
    BindText(st, 3, e.type);
    BindText(st, 4, e.actor);
    BindText(st, 5, e.subject);
    BindText(st, 6, e.scope);
    BindText(st, 7, e.payload);
    BindText(st, 8, e.prev_hash);
    BindText(st, 9, e.hash);
    int rc = sqlite3_step(st);
    Status s = rc == SQLITE_DONE ? Status::Ok() : StatusFromSqlite(conn_.db(), rc, "append event");
    sqlite3_reset(st);
    if (!s.ok()) return s;

    head_.seq = e.seq;
    head_.hash = e.hash;
    head_dirty_ = true;
    if (events_) events_->push_back(e);
    return e;
  }

  int64_t NowMs() const override { return now_ms_; }

  //! Starts a WriteFn: events it appends go to `events`; remembers the head to restore.
  void BeginWrite(std::vector<Event>* events) {
    events_ = events;
    saved_head_seq_ = head_.seq;
    saved_head_hash_ = head_.hash;
    saved_dirty_ = head_dirty_;
    saved_loaded_ = head_loaded_;
  }
  //! The WriteFn was rolled back to its savepoint: forget its events.
  void AbandonWrite() {
    head_.seq = saved_head_seq_;
    head_.hash = saved_head_hash_;
    head_dirty_ = saved_dirty_;
    head_loaded_ = saved_loaded_;  // a head first read by this write is read again
    if (events_) events_->clear();
  }
  void EndWrite() { events_ = nullptr; }

  //! Writes the head back if this batch appended anything.
  Status StoreHead() {
    if (!head_dirty_) return Status::Ok();
    Result<CachedStmt*> prepared = conn_.Prepare(kWriteHead);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    sqlite3_bind_int64(st, 1, head_.seq);
    BindText(st, 2, head_.hash);
    int rc = sqlite3_step(st);
    Status s = rc == SQLITE_DONE ? Status::Ok() : StatusFromSqlite(conn_.db(), rc, "update event_head");
    sqlite3_reset(st);
    if (s.ok() && sqlite3_changes(conn_.db()) != 1) s = Internal("event_head row is missing");
    return s;
  }

 private:
  // Read inside the batch's IMMEDIATE transaction: another process (the CLI) may have
  // appended since our last batch.
  Status LoadHead() {
    Result<CachedStmt*> prepared = conn_.Prepare(kReadHead);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    int rc = sqlite3_step(st);
    Status s;
    if (rc == SQLITE_ROW) {
      head_.seq = sqlite3_column_int64(st, 0);
      head_.hash = ColumnText(st, 1);
      head_loaded_ = true;
    } else if (rc == SQLITE_DONE) {
      s = Internal("event_head row is missing");
    } else {
      s = StatusFromSqlite(conn_.db(), rc, "read event_head");
    }
    sqlite3_reset(st);
    return s;
  }

  Connection& conn_;
  int64_t now_ms_;
  ChainHead head_;
  bool head_loaded_ = false;
  bool head_dirty_ = false;
  std::vector<Event>* events_ = nullptr;
  int64_t saved_head_seq_ = 0;
  std::string saved_head_hash_;
  bool saved_dirty_ = false;
  bool saved_loaded_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const StoreOptions& options)
      : path_(std::move(path)), options_(options) {
    if (options_.max_batch < 1) options_.max_batch = 1;
    if (options_.max_queue < 1) options_.max_queue = 1;
    if (options_.reader_connections < 1) options_.reader_connections = 1;
    clock_ = options_.clock ? options_.clock : &system_clock_;
    metrics_ = options_.metrics;
    for (size_t i = 0; i < result_labels_.size(); ++i) {
      result_labels_[i] = {{"backend", kBackend},
                           {"result", std::string(CodeName(static_cast<Code>(i)))}};
    }
  }

  ~SqliteStore() override { Close(); }

  Status Open() {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Internal(fmt::format("cannot create directory {}: {}", parent.string(), ec.message()));
    }

    Status s = writer_.Open(path_, /*read_only=*/false, options_.busy_timeout_ms);
    if (!s.ok()) return s;
    // journal_mode answers with the mode in force; anything but "wal" means no WAL.
    Result<Rows> mode = writer_.Run("PRAGMA journal_mode=WAL", {}, false);
    if (!mode.ok()) return mode.status();
    if (mode->Text(0, "journal_mode") != "wal")
      return Internal("sqlite: could not enable WAL mode on " + path_);
    // temp_store=MEMORY keeps the savepoint journals in memory. Every WriteFn of a group
    // commit runs in its own savepoint, and a savepoint journals the original of each page it
    // changes that the transaction had already changed; past 64 KiB SQLite spills that
    // journal to a temp file, i.e. write() calls and page-cache traffic for data that is
    // never read unless the write rolls back (tens of KB per report). In memory the
    // journal holds the pages of one write and is emptied at each RELEASE.
    // cache_size: the writer's page cache, 64 MiB instead of SQLite's 2 MiB. Tables written
    // in key order far from their tail (positions: (unit_id, time_ms) across a whole fleet,
    // and its time index) touch pages all over the b-tree; with 2 MiB most were evicted
    // between batches and read back (pread + copy: ~20 % of the writer's CPU in the tracking
    // benchmark's profile). Readers keep the default: they share the OS page cache.
    std::string pragmas = fmt::format(
        "PRAGMA synchronous={}; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit={}; "
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{};",
        options_.synchronous_full ? "FULL" : "NORMAL", kJournalSizeLimitBytes, kWriterCacheKiB);
    s = writer_.ExecScript(pragmas.c_str(), "pragmas");
    if (!s.ok()) return s;

    readers_.reserve(static_cast<size_t>(options_.reader_connections));
    for (int i = 0; i < options_.reader_connections; ++i) {
      auto conn = std::make_unique<Connection>();
      s = conn->Open(path_, /*read_only=*/true, options_.busy_timeout_ms);
      if (!s.ok()) return s;
      free_readers_.push_back(conn.get());
      readers_.push_back(std::move(conn));
    }

    if (metrics_) {
      metrics_->Describe("centinela_store_commit_seconds", "histogram",
                         "Time of one group commit, BEGIN to durable COMMIT.");
      metrics_->Describe("centinela_store_batch_size", "histogram",
                         "Writes group-committed per transaction.",
                         {1, 2, 4, 8, 16, 32, 64, 128, 256});
      metrics_->Describe("centinela_store_writes_total", "counter",
                         "Writes completed, by result.");
    }

    writer_thread_ = std::thread([this] { WriterLoop(); });
    writer_id_ = writer_thread_.get_id();
    spdlog::info("sqlite store opened: path={} readers={} synchronous={} max_batch={}", path_,
                 options_.reader_connections, options_.synchronous_full ? "FULL" : "NORMAL",
                 options_.max_batch);
    return Status::Ok();
  }

  std::string Backend() const override { return kBackend; }

  Result<int> Migrate() override {
    auto promise = std::make_shared<std::promise<Result<int>>>();
    auto future = promise->get_future();
    Pending p;
    p.control = [this, promise] { promise->set_value(MigrateOnWriter()); };
    {
      std::lock_guard lock(queue_mu_);
      if (closing_) return Unavailable("store is closed");
      queue_.push_back(std::move(p));
    }
    queue_cv_.notify_one();
    return future.get();
  }

  Result<int> SchemaVersion() override {
    auto lease = AcquireReader();
    if (!lease.ok()) return lease.status();
    Result<Rows> exists = lease->conn->Run(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = "
        "'schema_migrations'",
        {}, true);
    if (!exists.ok()) return exists.status();
    if (exists->Int(0, "n") == 0) return 0;
    Result<Rows> v = lease->conn->Run(
        "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations", {}, true);
    if (!v.ok()) return v.status();
    return static_cast<int>(v->Int(0, "v"));
  }

  Status Ping() override {
    auto lease = AcquireReader();
    if (!lease.ok()) return lease.status();
    Result<Rows> r = lease->conn->Run("SELECT 1", {}, true);
    return r.ok() ? Status::Ok() : r.status();
  }

  void Write(WriteFn fn, WriteDone done) override {
    {
      std::unique_lock lock(queue_mu_);
      if (!closing_ && queue_.size() < static_cast<size_t>(options_.max_queue)) {
        Pending& p = queue_.emplace_back();
        p.fn = std::move(fn);
        p.done = std::move(done);
        const bool wake = writer_idle_;
        lock.unlock();
        if (wake) queue_cv_.notify_one();
        return;
      }
    }
    Status s = Unavailable(closing_flag_.load() ? "store is closed" : "write queue is full");
    if (metrics_) metrics_->Inc("centinela_store_writes_total", ResultLabels(s.code()));
    if (done) done(std::move(s), {});
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    auto lease = AcquireReader();
    if (!lease.ok()) return lease.status();
    return lease->conn->Run(sql, params, /*reader=*/true);
  }

  Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) override {
    std::vector<Event> out;
    if (limit <= 0) return out;
    limit = std::min(limit, kMaxReadEventsPage);
    auto lease = AcquireReader();
    if (!lease.ok()) return lease.status();
    Connection& conn = *lease->conn;
    Result<CachedStmt*> prepared = conn.Prepare(kReadEvents);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_int64(st, 2, limit);
    out.reserve(static_cast<size_t>(std::min(limit, 1024)));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Event& e = out.emplace_back();
      e.seq = sqlite3_column_int64(st, 0);
      e.time_ms = sqlite3_column_int64(st, 1);
      e.type = ColumnText(st, 2);
      e.actor = ColumnText(st, 3);
      e.subject = ColumnText(st, 4);
      e.scope = ColumnText(st, 5);
      e.payload = ColumnText(st, 6);
      e.prev_hash = ColumnText(st, 7);
      e.hash = ColumnText(st, 8);
    }
    Status s = rc == SQLITE_DONE ? Status::Ok() : StatusFromSqlite(conn.db(), rc, "read events");
    sqlite3_reset(st);
    if (!s.ok()) return s;
    return out;
  }

  Result<int64_t> LastSeq() override {
    Result<Rows> r = Query(kReadHead, {});
    if (!r.ok()) return r.status();
    if (r->empty()) return Internal("event_head row is missing");
    return r->Int(0, "seq");
  }

  void SetCommitListener(CommitListener listener) override {
    auto shared = listener ? std::make_shared<CommitListener>(std::move(listener)) : nullptr;
    std::lock_guard lock(listener_mu_);
    listener_ = std::move(shared);
  }

  void Close() override {
    {
      std::lock_guard lock(queue_mu_);
      closing_ = true;
      closing_flag_ = true;
    }
    queue_cv_.notify_all();
    // Close() from a completion would join the writer from itself: the writer exits on its
    // own after draining, and the destructor (which must run on another thread) joins it.
    if (std::this_thread::get_id() == writer_id_) return;
    std::lock_guard close_lock(close_mu_);
    if (writer_thread_.joinable()) writer_thread_.join();  // drains the queue, closes writer_
    std::unique_lock lock(readers_mu_);
    if (readers_closed_) return;
    readers_closed_ = true;
    readers_cv_.notify_all();
    readers_cv_.wait(lock, [&] { return free_readers_.size() == readers_.size(); });
    free_readers_.clear();
    readers_.clear();
  }

 private:
  struct ReaderLease {
    SqliteStore* store = nullptr;
    Connection* conn = nullptr;
    ReaderLease(SqliteStore* s, Connection* c) : store(s), conn(c) {}
    ReaderLease(ReaderLease&& o) noexcept : store(std::exchange(o.store, nullptr)), conn(o.conn) {}
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (store) store->ReleaseReader(conn);
    }
  };

  Result<ReaderLease> AcquireReader() {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return readers_closed_ || !free_readers_.empty(); });
    if (readers_closed_) return Unavailable("store is closed");
    Connection* c = free_readers_.back();
    free_readers_.pop_back();
    return ReaderLease(this, c);
  }

  void ReleaseReader(Connection* c) {
    {
      std::lock_guard lock(readers_mu_);
      free_readers_.push_back(c);
    }
    readers_cv_.notify_all();
  }

  const Labels& ResultLabels(Code code) { return result_labels_[static_cast<size_t>(code)]; }

  // ----- writer thread -----

  void WriterLoop() {
    std::vector<Pending> batch;
    batch.reserve(static_cast<size_t>(options_.max_batch));
    for (;;) {
      {
        std::unique_lock lock(queue_mu_);
        writer_idle_ = true;
        queue_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        writer_idle_ = false;
        if (queue_.empty()) break;  // closing and drained
        if (queue_.front().control) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        } else {
          while (!queue_.empty() && !queue_.front().control &&
                 batch.size() < static_cast<size_t>(options_.max_batch)) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
          }
        }
      }
      if (batch.front().control) {
        batch.front().control();
      } else {
        RunBatch(batch);
      }
      batch.clear();
    }
    writer_.Close();
    spdlog::info("sqlite store closed: path={}", path_);
  }

  void RunBatch(std::vector<Pending>& batch) {
    const auto start = std::chrono::steady_clock::now();
    SqliteTx tx(writer_, clock_->NowMs());
    Status batch_status = writer_.Step(kBegin, "begin");
    if (batch_status.ok()) {
      for (Pending& p : batch) {
        batch_status = writer_.Step(kSavepoint, "savepoint");
        if (!batch_status.ok()) break;
        tx.BeginWrite(&p.events);
        p.status = RunWriteFn(p.fn, tx);
        if (sqlite3_get_autocommit(writer_.db())) {
          // SQLite rolled the whole transaction back (I/O error, disk full, ...).
          tx.EndWrite();
          batch_status = p.status.ok() ? Internal("sqlite: transaction aborted") : p.status;
          break;
        }
        if (p.status.ok()) {
          batch_status = writer_.Step(kRelease, "release");
        } else {
          tx.AbandonWrite();
          batch_status = writer_.Step(kRollbackTo, "rollback to savepoint");
          if (batch_status.ok()) batch_status = writer_.Step(kRelease, "release");
        }
        tx.EndWrite();
        if (!batch_status.ok()) break;
      }
      if (batch_status.ok()) batch_status = tx.StoreHead();
      if (batch_status.ok()) batch_status = writer_.Step(kCommit, "commit");
      if (!batch_status.ok()) {
        if (!sqlite3_get_autocommit(writer_.db())) (void)writer_.Step(kRollback, "rollback");
        spdlog::warn("sqlite group commit of {} writes failed: {}", batch.size(),
                     batch_status.ToString());
      }
    } else {
      spdlog::warn("sqlite could not begin a write transaction: {}", batch_status.ToString());
    }
    if (!batch_status.ok()) {
      for (Pending& p : batch) {
        p.status = batch_status;
        p.events.clear();
      }
    }

    if (metrics_) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics_->Observe("centinela_store_commit_seconds", backend_labels_, seconds);
      metrics_->Observe("centinela_store_batch_size", backend_labels_,
                        static_cast<double>(batch.size()));
      std::array<int, 13> counts{};
      for (const Pending& p : batch) {
        const auto code = static_cast<size_t>(p.status.code());
        if (code < counts.size()) counts[code]++;
      }
      for (size_t i = 0; i < counts.size(); ++i)
        if (counts[i]) metrics_->Inc("centinela_store_writes_total", result_labels_[i], counts[i]);
    }

    if (batch_status.ok()) Publish(batch);
    for (Pending& p : batch) {
      if (!p.done) continue;
      try {
        p.done(std::move(p.status), std::move(p.events));
      } catch (const std::exception& e) {
        spdlog::error("sqlite write completion threw: {}", e.what());
      } catch (...) {
        spdlog::error("sqlite write completion threw a non-standard exception");
      }
    }
  }

  static Status RunWriteFn(const WriteFn& fn, Tx& tx) {
    if (!fn) return InvalidArgument("empty WriteFn");
    try {
      return fn(tx);
    } catch (const std::exception& e) {
      return Internal(std::string("write threw: ") + e.what());
    } catch (...) {
      return Internal("write threw a non-standard exception");
    }
  }

  void Publish(const std::vector<Pending>& batch) {
    std::shared_ptr<CommitListener> listener;
    {
      std::lock_guard lock(listener_mu_);
      listener = listener_;
    }
    if (!listener) return;
    commit_events_.clear();
    for (const Pending& p : batch)
      commit_events_.insert(commit_events_.end(), p.events.begin(), p.events.end());
    if (commit_events_.empty()) return;
    try {
      (*listener)(commit_events_);
    } catch (const std::exception& e) {
      spdlog::error("commit listener threw: {}", e.what());
    } catch (...) {
      spdlog::error("commit listener threw a non-standard exception");
    }
  }

  Result<int> MigrateOnWriter() {
    Status s = writer_.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, "
        "applied_ms INTEGER)",
        "create schema_migrations");
    if (!s.ok()) return s;
    Result<Rows> current =
        writer_.Run("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations", {}, false);
    if (!current.ok()) return current.status();
    int version = static_cast<int>(current->Int(0, "v"));
    for (const Migration& m : SqliteMigrations()) {
      if (m.version <= version) continue;
      s = writer_.ExecScript("BEGIN IMMEDIATE", "begin migration");
      if (!s.ok()) return s;
      std::string sql(m.sql);
      s = writer_.ExecScript(sql.c_str(), "migration");
      if (s.ok()) {
        Result<Rows> r = writer_.Run(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
            {int64_t{m.version}, std::string(m.name), clock_->NowMs()}, false);
        if (!r.ok()) s = r.status();
      }
      if (s.ok()) s = writer_.ExecScript("COMMIT", "commit migration");
      if (!s.ok()) {
        if (!sqlite3_get_autocommit(writer_.db())) (void)writer_.ExecScript("ROLLBACK", "rollback");
        spdlog::error("sqlite migration {} ({}) failed: {}", m.version, m.name, s.ToString());
        return Internal(fmt::format("migration {} ({}) failed: {}", m.version, m.name, s.message()));
      }
      version = m.version;
      spdlog::info("sqlite migrated: path={} version={} ({})", path_, m.version, m.name);
    }
    return version;
  }

  const std::string path_;
  StoreOptions options_;
  SystemClock system_clock_;
  const Clock* clock_ = nullptr;
  Metrics* metrics_ = nullptr;
  const Labels backend_labels_ = {{"backend", kBackend}};
  std::array<Labels, 13> result_labels_;  // by Code

  Connection writer_;  // used only by the writer thread once it runs
  std::mutex close_mu_;        // serialises Close() callers
  std::thread writer_thread_;  // joined under close_mu_
  std::thread::id writer_id_;  // set once in Open()
  std::vector<Event> commit_events_;  // writer thread only; reused across batches

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;  // guarded by queue_mu_
  bool closing_ = false;       // guarded by queue_mu_
  bool writer_idle_ = false;   // guarded by queue_mu_
  std::atomic<bool> closing_flag_{false};

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;  // guarded by readers_mu_
  std::vector<Connection*> free_readers_;             // guarded by readers_mu_
  bool readers_closed_ = false;                       // guarded by readers_mu_

  std::mutex listener_mu_;
  std::shared_ptr<CommitListener> listener_;  // guarded by listener_mu_
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                const StoreOptions& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return InvalidArgument("sqlite store needs a file path (no :memory: or URIs)");
  }
  InitCrypto();
  auto store = std::make_unique<SqliteStore>(path, options);
  Status s = store->Open();
  if (!s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace centinela::store
