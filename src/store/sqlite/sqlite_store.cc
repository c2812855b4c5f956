#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <utility>

#include "common/hash.h"
#include "common/mutex.h"
#include "store/group_commit.h"
#include "store/migrations.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/env_vfs.h"

namespace centinela::store {
namespace {

using sqlite::BindText;
using sqlite::CachedStmt;
using sqlite::ColumnText;
using sqlite::Connection;
using sqlite::StatusFromSqlite;

// The WAL is truncated back to this size after a checkpoint resets it.
constexpr int64_t kJournalSizeLimitBytes = 64LL << 20;
constexpr int kWriterCacheKiB = 64 * 1024;  // PRAGMA cache_size of the writer

const char* const kBackend = "sqlite";

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

// ---------------------------------------------------------------------------------------
// The writer connection as the group committer drives it (store/group_commit.h). Every
// statement runs at once; the chain head is read inside BEGIN IMMEDIATE, since another
// process (the CLI) may have appended since the last batch.

class SqliteSession final : public WriterSession {
 public:
  Connection& connection() { return conn_; }

  Result<ChainHead> Begin() override {
    last_error_ = Status::Ok();
    if (Status s = conn_.Step(kBegin, "begin"); !s.ok()) return s;
    Result<CachedStmt*> prepared = conn_.Prepare(kReadHead);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* st = (*prepared)->stmt.get();
    const int rc = sqlite3_step(st);
    Result<ChainHead> out = Internal("event_head row is missing");
    if (rc == SQLITE_ROW) {
      out = ChainHead{sqlite3_column_int64(st, 0), ColumnText(st, 1)};
    } else if (rc != SQLITE_DONE) {
      out = StatusFromSqlite(conn_.db(), rc, "read event_head");
    }
    sqlite3_reset(st);
    return out;
  }

  Status Savepoint(size_t /*i*/) override { return conn_.Step(kSavepoint, "savepoint"); }

  Result<Rows> Exec(std::string_view sql, const Params& params) override {
    Result<Rows> r = conn_.Run(sql, params, /*reader=*/false);
    if (!r.ok()) last_error_ = r.status();
    return r;
  }

  Status InsertEvent(const Event& e) override {
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
    const int rc = sqlite3_step(st);
    Status s = rc == SQLITE_DONE ? Status::Ok() : StatusFromSqlite(conn_.db(), rc, "append event");
    sqlite3_reset(st);
    if (!s.ok()) last_error_ = s;
    return s;
  }

  Status BatchError(const Status& write_status) override {
    // SQLite rolled the whole transaction back (I/O error, disk full, ...).
    if (!sqlite3_get_autocommit(conn_.db())) return Status::Ok();
    if (!write_status.ok()) return write_status;
    return last_error_.ok() ? Internal("sqlite: transaction aborted") : last_error_;
  }

  Status EndSavepoint(size_t /*i*/, bool keep) override {
    if (!keep) {
      if (Status s = conn_.Step(kRollbackTo, "rollback to savepoint"); !s.ok()) return s;
    }
    return conn_.Step(kRelease, "release");
  }

  Status Commit(const ChainHead* moved_head) override {
    if (moved_head) {
      Result<CachedStmt*> prepared = conn_.Prepare(kWriteHead);
      if (!prepared.ok()) return prepared.status();
      sqlite3_stmt* st = (*prepared)->stmt.get();
      sqlite3_bind_int64(st, 1, moved_head->seq);
      BindText(st, 2, moved_head->hash);
      const int rc = sqlite3_step(st);
      Status s = rc == SQLITE_DONE ? Status::Ok()
                                   : StatusFromSqlite(conn_.db(), rc, "update event_head");
      sqlite3_reset(st);
      if (s.ok() && sqlite3_changes(conn_.db()) != 1) s = Internal("event_head row is missing");
      if (!s.ok()) return s;
    }
    return conn_.Step(kCommit, "commit");
  }

  void Rollback() override {
    if (conn_.db() && !sqlite3_get_autocommit(conn_.db())) (void)conn_.Step(kRollback, "rollback");
  }

  void Close() override { conn_.Close(); }

 private:
  Connection conn_;
  Status last_error_;  // the batch's last failed statement, for BatchError's message
};

// ---------------------------------------------------------------------------------------
// The store

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const StoreOptions& options)
      : path_(std::move(path)), options_(options) {
    if (options_.reader_connections < 1) options_.reader_connections = 1;
    clock_ = options_.clock ? options_.clock : &system_clock_;
    auto session = std::make_unique<SqliteSession>();
    session_ = session.get();
    committer_ = std::make_unique<GroupCommitter>(
        std::move(session), GroupCommitOptions{kBackend, options_.max_batch, options_.max_queue,
                                               clock_, options_.metrics});
  }

  ~SqliteStore() override { Close(); }

  Status Open() {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Internal(fmt::format("cannot create directory {}: {}", parent.string(), ec.message()));
    }
    const char* vfs = nullptr;
    if (options_.env && options_.env != Env::Default()) {
      auto registered = sqlite::EnvVfs::Register(options_.env);
      if (!registered.ok()) return registered.status();
      vfs_ = std::move(registered).value();
      vfs = vfs_->Name();
    }

    Connection& writer = session_->connection();
    Status s = writer.Open(path_, /*read_only=*/false, options_.busy_timeout_ms, vfs);
    if (!s.ok()) return s;
    // journal_mode answers with the mode in force; anything but "wal" means no WAL.
    Result<Rows> mode = writer.Run("PRAGMA journal_mode=WAL", {}, false);
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
    s = writer.ExecScript(pragmas.c_str(), "pragmas");
    if (!s.ok()) return s;

    {
      MutexLock lock(readers_mu_);
      readers_.reserve(static_cast<size_t>(options_.reader_connections));
      for (int i = 0; i < options_.reader_connections; ++i) {
        auto conn = std::make_unique<Connection>();
        s = conn->Open(path_, /*read_only=*/true, options_.busy_timeout_ms, vfs);
        if (!s.ok()) return s;
        free_readers_.push_back(conn.get());
        readers_.push_back(std::move(conn));
      }
    }

    committer_->Start();
    spdlog::info("sqlite store opened: path={} readers={} synchronous={} max_batch={}", path_,
                 options_.reader_connections, options_.synchronous_full ? "FULL" : "NORMAL",
                 options_.max_batch);
    return Status::Ok();
  }

  std::string Backend() const override { return kBackend; }

  Result<int> Migrate() override {
    auto promise = std::make_shared<std::promise<Result<int>>>();
    auto future = promise->get_future();
    Connection* writer = &session_->connection();
    if (!committer_->RunOnWriter(
            [this, writer, promise] { promise->set_value(MigrateOnWriter(*writer)); })) {
      return Unavailable("store is closed");
    }
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
    committer_->Write(std::move(fn), std::move(done));
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
    committer_->SetCommitListener(std::move(listener));
  }

  void Close() override {
    // From a completion (the writer thread) this only stops accepting writes; the writer
    // drains and closes its connection by itself.
    committer_->Close();
    if (committer_->OnWriterThread()) return;
    MutexLock lock(readers_mu_);
    if (readers_closed_) return;
    readers_closed_ = true;
    readers_cv_.notify_all();
    readers_cv_.wait(lock.Native(), [this] {
      readers_mu_.AssertHeld();
      return free_readers_.size() == readers_.size();
    });
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

  Result<ReaderLease> AcquireReader() EXCLUDES(readers_mu_) {
    MutexLock lock(readers_mu_);
    readers_cv_.wait(lock.Native(), [this] {
      readers_mu_.AssertHeld();
      return readers_closed_ || !free_readers_.empty();
    });
    if (readers_closed_) return Unavailable("store is closed");
    Connection* c = free_readers_.back();
    free_readers_.pop_back();
    return ReaderLease(this, c);
  }

  void ReleaseReader(Connection* c) EXCLUDES(readers_mu_) {
    {
      MutexLock lock(readers_mu_);
      free_readers_.push_back(c);
    }
    readers_cv_.notify_all();
  }

  Result<int> MigrateOnWriter(Connection& writer) {
    Status s = writer.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, "
        "applied_ms INTEGER)",
        "create schema_migrations");
    if (!s.ok()) return s;
    Result<Rows> current =
        writer.Run("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations", {}, false);
    if (!current.ok()) return current.status();
    int version = static_cast<int>(current->Int(0, "v"));
    for (const Migration& m : SqliteMigrations()) {
      if (m.version <= version) continue;
      s = writer.ExecScript("BEGIN IMMEDIATE", "begin migration");
      if (!s.ok()) return s;
      std::string sql(m.sql);
      s = writer.ExecScript(sql.c_str(), "migration");
      if (s.ok()) {
        Result<Rows> r = writer.Run(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
            {int64_t{m.version}, std::string(m.name), clock_->NowMs()}, false);
        if (!r.ok()) s = r.status();
      }
      if (s.ok()) s = writer.ExecScript("COMMIT", "commit migration");
      if (!s.ok()) {
        if (!sqlite3_get_autocommit(writer.db())) (void)writer.ExecScript("ROLLBACK", "rollback");
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
  std::unique_ptr<sqlite::EnvVfs> vfs_;  // outlives every connection (declared first)
  SqliteSession* session_ = nullptr;     // owned by committer_
  std::unique_ptr<GroupCommitter> committer_;

  Mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> readers_ GUARDED_BY(readers_mu_);
  std::vector<Connection*> free_readers_ GUARDED_BY(readers_mu_);
  bool readers_closed_ GUARDED_BY(readers_mu_) = false;
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
