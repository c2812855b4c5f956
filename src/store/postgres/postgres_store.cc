// PostgreSQL backend of the Store (libpq).
//
// Files: pg_conn.* (connections in pipeline mode, reader pool, errors), commit_feed.* (the
// LISTEN connection), migrate.* (schema migrations), and this one: the writer session the
// group committer (store/group_commit.h) drives, and the Store itself.
//
// Statements whose answer nobody waits for (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, the
// event INSERTs of Tx::Append) ride along with the next statement that needs an answer.
//
// A group commit on the writer connection, for a batch of N WriteFns:
//   BEGIN; SELECT seq, hash FROM event_head WHERE id = 1 FOR UPDATE      -- 1 round trip
//   each WriteFn: one round trip per Tx::Exec, nothing else (its SAVEPOINT, the previous
//                 write's RELEASE and event INSERTs travel with its first Exec)
//   UPDATE event_head ...; SELECT pg_notify(channel, last seq); COMMIT    -- 1 round trip
// The FOR UPDATE row lock serialises writers of several nodes sharing one database, so the
// seq stays gap-free and the hash chain unbroken. Tx::Append validates its text (UTF-8, no
// NUL) before queueing its INSERT, so under that lock the INSERT cannot fail for its data;
// if it fails anyway the whole batch fails. (On a non-UTF8 database Append waits for its
// INSERT instead.)
//
// Other nodes learn of a commit through the pg_notify in the same transaction: the server
// delivers it only when the transaction commits, to every connection LISTENing on the
// channel (one per schema, see ChannelFor). OpenCommitFeed opens such a connection for the
// LogFollower (events/follower.h), which then reads the new rows from the log.
//
// PostgreSQL differs from SQLite in one way a WriteFn can see: after a statement fails, the
// rest of that WriteFn's statements fail too (its savepoint is aborted), and the write fails
// with the first error even if the WriteFn returns ok.

#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/redact.h"
#include "store/group_commit.h"
#include "store/postgres/commit_feed.h"
#include "store/postgres/migrate.h"
#include "store/postgres/pg_conn.h"

namespace centinela::store {
namespace {

using pg::PgConn;

const char* const kBackend = "postgresql";

constexpr const char* kSelectHead = "SELECT seq, hash FROM event_head WHERE id = 1 FOR UPDATE";
constexpr const char* kUpdateHead = "UPDATE event_head SET seq = $1, hash = $2 WHERE id = 1";
constexpr const char* kInsertEvent =
    "INSERT INTO events (seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr const char* kSelectEvents =
    "SELECT seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash FROM events "
    "WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr const char* kNotify = "SELECT pg_notify($1, $2)";

//! True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
//! U+10FFFF) without NUL bytes: exactly what a PostgreSQL TEXT value in a UTF8 database takes.
bool IsStorableText(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}


// ---------------------------------------------------------------------------------------
// The writer connection as the group committer drives it.

class PgSession final : public WriterSession {
 public:
  PgSession(std::string url, std::shared_ptr<std::atomic<int>> writer_pid)
      : url_(std::move(url)), writer_pid_(std::move(writer_pid)) {}

  //! Opens the writer connection and learns the channel; before the writer thread starts.
  Status Start() {
    if (Status s = Connect(); !s.ok()) return s;
    auto schema = conn_->Exec(pg::kSelectSchema);
    if (!schema.ok()) return schema.status();
    channel_ = pg::ChannelFor(schema->Text(0, "schema"));
    return Status::Ok();
  }

  Result<ChainHead> Begin() override {
    control_ = Status::Ok();
    if (!conn_ || conn_->Broken()) {
      conn_.reset();
      if (Status s = Connect(); !s.ok()) {
        spdlog::warn("postgresql writer: {}", s.message());
        return s;
      }
      spdlog::info("postgresql writer: reconnected to {}", RedactUrl(url_));
    }
    Result<Rows> head_rows = Internal("no head");
    conn_->Send("BEGIN", {}, ControlCallback());
    conn_->Send(kSelectHead, {}, [&head_rows](Result<Rows> r, bool) { head_rows = std::move(r); });
    if (Status s = conn_->Sync(); !s.ok()) return Lost(s);
    if (!control_.ok()) return control_;
    if (!head_rows.ok()) {
      return Status(head_rows.status().code(), "reading event_head (is the schema migrated?): " +
                                                   head_rows.status().message());
    }
    if (head_rows->empty()) return Internal("event_head row is missing");
    sync_appends_ = !conn_->ServerUtf8();
    return ChainHead{head_rows->Int(0, "seq"), head_rows->Text(0, "hash")};
  }

  Status Savepoint(size_t i) override {
    failed_ = Status::Ok();
    conn_->Send("SAVEPOINT s" + std::to_string(i), {}, ControlCallback());
    return Status::Ok();
  }

  Result<Rows> Exec(std::string_view sql, const Params& params) override {
    if (!failed_.ok()) return Earlier();
    Result<Rows> out = Internal("postgresql: no result");
    conn_->Send(sql, params, [&out](Result<Rows> r, bool) { out = std::move(r); });
    Status s = conn_->Sync();
    if (!s.ok()) return failed_ = s;
    if (!control_.ok()) return failed_ = control_;
    if (!out.ok()) failed_ = out.status();
    return out;
  }

  Status InsertEvent(const Event& e) override {
    if (!failed_.ok()) return Earlier();
    for (const std::string* field : {&e.type, &e.actor, &e.subject, &e.scope, &e.payload}) {
      if (!IsStorableText(*field)) {
        return failed_ = InvalidArgument("event text is not valid UTF-8 or contains NUL");
      }
    }
    const Params params = {e.seq,   e.time_ms, e.type,      e.actor, e.subject,
                           e.scope, e.payload, e.prev_hash, e.hash};
    if (sync_appends_) {
      // The database is not UTF8, so text may still fail to convert: ask now.
      Result<Rows> r = Exec(kInsertEvent, params);
      return r.ok() ? Status::Ok() : r.status();
    }
    // Validated text under the head lock cannot fail for its data, so the INSERT rides with
    // the next round trip; if it fails anyway (disk full...), the batch fails.
    conn_->Send(kInsertEvent, params, ControlCallback());
    return Status::Ok();
  }

  // A WriteFn that ignored a failed statement cannot commit on PostgreSQL: the
  // subtransaction is aborted. Fail it with the statement's error.
  Status WriteError() const override { return failed_; }

  Status BatchError(const Status& /*write_status*/) override {
    if (conn_->Broken()) return Lost(Unavailable("postgresql connection lost"));
    return control_;
  }

  Status EndSavepoint(size_t i, bool keep) override {
    const std::string sp = "s" + std::to_string(i);
    if (!keep) conn_->Send("ROLLBACK TO SAVEPOINT " + sp, {}, ControlCallback());
    conn_->Send("RELEASE SAVEPOINT " + sp, {}, ControlCallback());
    return Status::Ok();
  }

  Status Commit(const ChainHead* moved_head) override {
    if (moved_head) {
      conn_->Send(kUpdateHead, {moved_head->seq, moved_head->hash}, ControlCallback());
      // Delivered to LISTENing nodes only if, and once, this transaction commits.
      conn_->Send(kNotify, {channel_, std::to_string(moved_head->seq)}, ControlCallback());
    }
    Result<Rows> commit = Internal("no COMMIT result");
    std::string tag;
    conn_->Send(
        "COMMIT", {}, [&commit](Result<Rows> r, bool) { commit = std::move(r); }, &tag);
    if (Status s = conn_->Sync(); !s.ok()) {
      return Lost(Unavailable("connection lost during COMMIT; outcome unknown: " + s.message()));
    }
    if (!control_.ok()) return control_;
    if (!commit.ok()) return commit.status();
    // COMMIT of a failed transaction answers "ROLLBACK".
    if (tag != "COMMIT") return Internal("postgresql: transaction rolled back at COMMIT");
    return Status::Ok();
  }

  void Rollback() override {
    if (!conn_ || conn_->Broken()) {
      conn_.reset();
      return;
    }
    conn_->Send("ROLLBACK", {}, nullptr);
    if (!conn_->Sync().ok()) (void)Lost(Unavailable("lost during ROLLBACK"));
  }

  void Close() override { conn_.reset(); }

 private:
  Status Connect() {
    auto c = PgConn::Open(url_, "centinela-writer", pg::kWriterSetup);
    if (!c.ok()) return c.status();
    conn_ = std::move(c).value();
    writer_pid_->store(conn_->BackendPid());
    return Status::Ok();
  }

  //! The connection is gone: fail the batch; the next Begin reconnects.
  Status Lost(Status s) {
    conn_.reset();
    spdlog::warn("postgresql writer: {}; failing the batch, will reconnect", s.message());
    return s;
  }

  //! Callback of a statement nobody waits for: its failure breaks the batch.
  PgConn::Callback ControlCallback() {
    return [this](Result<Rows> r, bool aborted) {
      if (!r.ok() && !aborted && control_.ok()) control_ = r.status();
    };
  }

  Status Earlier() const {
    return Status(failed_.code(),
                  "an earlier statement of this write failed: " + failed_.message());
  }

  const std::string url_;
  const std::shared_ptr<std::atomic<int>> writer_pid_;
  std::string channel_;  // set by Start()
  std::unique_ptr<PgConn> conn_;
  bool sync_appends_ = false;
  Status control_;  // first failure of a statement nobody waited for: the batch is broken
  Status failed_;   // first failure seen by the current WriteFn: the write is doomed after it
};

// ---------------------------------------------------------------------------------------
// The store

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, const StoreOptions& options)
      : url_(std::move(url)),
        clock_(options.clock ? options.clock : &system_clock_),
        readers_(url_, options.reader_connections) {
    auto session = std::make_unique<PgSession>(url_, writer_pid_);
    session_ = session.get();
    committer_ = std::make_unique<GroupCommitter>(
        std::move(session), GroupCommitOptions{kBackend, options.max_batch, options.max_queue,
                                               clock_, options.metrics});
  }

  ~PostgresStore() override { Close(); }

  Status Start() {
    if (Status s = session_->Start(); !s.ok()) return s;
    committer_->Start();
    return Status::Ok();
  }

  std::string Backend() const override { return kBackend; }

  Result<int> Migrate() override { return pg::Migrate(url_, *clock_); }

  Result<int> SchemaVersion() override {
    auto exists = Read("SELECT to_regclass('schema_migrations') IS NOT NULL AS present", {});
    if (!exists.ok()) return exists.status();
    if (exists->Int(0, "present", 0) == 0) return 0;
    auto r = Read("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations", {});
    if (!r.ok()) return r.status();
    return static_cast<int>(r->Int(0, "version", 0));
  }


  Status Ping() override {
    auto r = Read("SELECT 1", {});
    return r.ok() ? Status::Ok() : r.status();
  }

  void Write(WriteFn fn, WriteDone done) override {
    committer_->Write(std::move(fn), std::move(done));
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    return Read(sql, params);
  }

  Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) override {
    std::vector<Event> out;
    if (limit <= 0) return out;
    limit = std::min(limit, kMaxReadEventsPage);
    auto r = Read(kSelectEvents, {after_seq, int64_t{limit}});
    if (!r.ok()) return r.status();
    out.reserve(r->size());
    for (auto& row : r->rows) {
      Event e;
      auto text = [](Value& v) {
        auto* s = std::get_if<std::string>(&v);
        return s ? std::move(*s) : std::string();
      };
      auto integer = [](const Value& v) {
        auto* i = std::get_if<int64_t>(&v);
        return i ? *i : 0;
      };
      e.seq = integer(row[0]);
      e.time_ms = integer(row[1]);
      e.type = text(row[2]);
      e.actor = text(row[3]);
      e.subject = text(row[4]);
      e.scope = text(row[5]);
      e.payload = text(row[6]);
      e.prev_hash = text(row[7]);
      e.hash = text(row[8]);
      out.push_back(std::move(e));
    }
    return out;
  }


  Result<int64_t> LastSeq() override {
    auto r = Read("SELECT seq FROM event_head WHERE id = 1", {});
    if (!r.ok()) return r.status();
    return r->Int(0, "seq", 0);
  }

  void SetCommitListener(CommitListener listener) override {
    committer_->SetCommitListener(std::move(listener));
  }

  Result<std::unique_ptr<CommitFeed>> OpenCommitFeed() override {
    if (committer_->closing()) return Unavailable("store is closed");
    return pg::OpenCommitFeed(url_, writer_pid_);
  }

  void Close() override {
    committer_->Close();
    if (committer_->OnWriterThread()) return;  // from a completion: the writer ends by itself
    readers_.Close();
  }

 private:
  Result<Rows> Read(std::string_view sql, const Params& params) {
    for (int attempt = 0;; ++attempt) {
      auto c = readers_.Acquire();
      if (!c.ok()) return c.status();
      Result<Rows> r = (*c)->Exec(sql, params);
      const bool broken = (*c)->Broken();
      readers_.Release(std::move(c).value());
      // A read is safe to repeat: retry once on a fresh connection after a lost one.
      if (broken && attempt == 0) continue;
      return r;
    }
  }

  const std::string url_;
  //! Backend pid of the writer connection (changes when it reconnects); shared with feeds.
  const std::shared_ptr<std::atomic<int>> writer_pid_ = std::make_shared<std::atomic<int>>(0);
  SystemClock system_clock_;
  const Clock* clock_;
  pg::ReaderPool readers_;
  PgSession* session_ = nullptr;  // owned by committer_
  std::unique_ptr<GroupCommitter> committer_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  if (Status s = store->Start(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace centinela::store
