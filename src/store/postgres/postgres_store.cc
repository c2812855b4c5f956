// PostgreSQL backend of the Store (libpq).
//
// Round trips are what this backend spends its time on, so every connection runs in libpq
// pipeline mode: statements are queued with PQsend* and results are read after one Sync.
// Statements whose answer nobody waits for (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, the
// event INSERTs of Tx::Append) ride along with the next statement that needs an answer.
// Statements are prepared once per connection (keyed by SQL text and parameter types) and
// executed by name afterwards, the PREPARE travelling in the same pipeline as the first use.
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
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/redact.h"
#include "store/migrations.h"

namespace centinela::store {


namespace {

// ---------------------------------------------------------------------------------------
// Values and errors

constexpr Oid kOidBool = 16;
constexpr Oid kOidInt8 = 20;
constexpr Oid kOidInt2 = 21;
constexpr Oid kOidInt4 = 23;
constexpr Oid kOidText = 25;
constexpr Oid kOidFloat4 = 700;
constexpr Oid kOidFloat8 = 701;
constexpr Oid kOidNumeric = 1700;

//! Prepared statements kept per connection; past this, new SQL runs unprepared.
constexpr size_t kMaxPreparedStatements = 1000;
//! Key of the advisory lock held while migrating (two nodes starting together).
constexpr int64_t kMigrationLockKey = 0x63656e74696e656c;  // "centinel"

// Session settings per role; application_name defaults (the URL may set its own) are
// centinela-writer / centinela-reader / centinela-migrate.
constexpr const char* kWriterSetup = "SET synchronous_commit = on; SET client_encoding = 'UTF8'";
constexpr const char* kReaderSetup =
    "SET default_transaction_read_only = on; SET client_encoding = 'UTF8'";

constexpr const char* kSelectHead = "SELECT seq, hash FROM event_head WHERE id = 1 FOR UPDATE";
constexpr const char* kUpdateHead = "UPDATE event_head SET seq = $1, hash = $2 WHERE id = 1";
constexpr const char* kInsertEvent =
    "INSERT INTO events (seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr const char* kSelectEvents =
    "SELECT seq, time_ms, type, actor, subject, scope, payload, prev_hash, hash FROM events "
    "WHERE seq > $1 ORDER BY seq LIMIT $2";

constexpr const char* kSelectSchema = "SELECT current_schema() AS schema";
constexpr const char* kNotify = "SELECT pg_notify($1, $2)";

//! NOTIFY channel of the event log in `schema`. Channels are per database, and schemas that
//! share one database (the test suite) keep separate logs, so the schema is part of the name;
//! a name past PostgreSQL's 63-byte identifier limit is shortened with a hash of the rest.
std::string ChannelFor(const std::string& schema) {
  std::string channel = "centinela_events." + (schema.empty() ? std::string("public") : schema);
  if (channel.size() > 63) {
    const size_t h = std::hash<std::string>{}(channel);
    char tail[17];
    std::snprintf(tail, sizeof tail, "%016zx", h);
    channel = channel.substr(0, 46) + tail;
  }
  return channel;
}

const char* Field(const PGresult* res, int code) {
  const char* f = PQresultErrorField(res, code);
  return f ? f : "";
}

// libpq messages span lines ("...unexpectedly\n\tThis probably means..."): one line for logs.
std::string Trim(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for (char c : in) {
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (!space) {
      s.push_back(c);
    } else if (!s.empty() && s.back() != ' ') {
      s.push_back(' ');
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

//! Maps a failed result to a Status. Messages never carry parameter values: for
//! constraint violations they name the constraint, for data exceptions only the kind.
Status ErrorStatus(PGconn* conn, const PGresult* res) {
  const std::string state = Field(res, PG_DIAG_SQLSTATE);
  std::string primary = Field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = Trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (PQstatus(conn) != CONNECTION_OK || state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
    return Unavailable("postgresql connection lost: " + primary);
  }
  if (state.rfind("23", 0) == 0) {
    std::string what;
    if (state == "23505") {
      what = "unique constraint";
    } else if (state == "23503") {
      what = "foreign key constraint";
    } else if (state == "23502") {
      what = "not-null constraint";
    } else if (state == "23514") {
      what = "check constraint";
    } else if (state == "23P01") {
      what = "exclusion constraint";
    } else {
      what = "integrity constraint";
    }
    std::string name = Field(res, PG_DIAG_CONSTRAINT_NAME);
    if (name.empty()) {
      const std::string table = Field(res, PG_DIAG_TABLE_NAME);
      const std::string column = Field(res, PG_DIAG_COLUMN_NAME);
      name = table.empty() ? column : column.empty() ? table : table + "." + column;
    }
    return Conflict(what + (name.empty() ? "" : " " + name) + " violated (SQLSTATE " + state + ")");
  }
  if (state.rfind("40", 0) == 0) {  // serialization failure, deadlock: worth a retry
    return Unavailable("postgresql: " + primary + " (SQLSTATE " + state + ")");
  }
  if (state.rfind("22", 0) == 0) {  // data exceptions may quote the offending value
    const size_t colon = primary.find(':');
    if (colon != std::string::npos) primary.resize(colon);
  }
  return Internal("postgresql: " + primary + (state.empty() ? "" : " (SQLSTATE " + state + ")"));
}

bool IsDml(const char* tag) {
  return std::strncmp(tag, "INSERT", 6) == 0 || std::strncmp(tag, "UPDATE", 6) == 0 ||
         std::strncmp(tag, "DELETE", 6) == 0 || std::strncmp(tag, "MERGE", 5) == 0;
}

Rows ToRows(const PGresult* res) {
  Rows out;
  const int nf = PQnfields(res);
  const int nt = PQntuples(res);
  out.columns.reserve(static_cast<size_t>(nf));
  std::vector<Oid> types(static_cast<size_t>(nf));
  for (int c = 0; c < nf; ++c) {
    out.columns.emplace_back(PQfname(res, c));
    types[static_cast<size_t>(c)] = PQftype(res, c);
  }
  out.rows.resize(static_cast<size_t>(nt));
  for (int r = 0; r < nt; ++r) {
    auto& row = out.rows[static_cast<size_t>(r)];
    row.resize(static_cast<size_t>(nf));
    for (int c = 0; c < nf; ++c) {
      if (PQgetisnull(res, r, c)) continue;
      const char* v = PQgetvalue(res, r, c);
      const int len = PQgetlength(res, r, c);
      auto& cell = row[static_cast<size_t>(c)];
      switch (types[static_cast<size_t>(c)]) {
        case kOidInt2:
        case kOidInt4:
        case kOidInt8: {
          int64_t i = 0;
          std::from_chars(v, v + len, i);
          cell = i;
          break;
        }
        case kOidFloat4:
        case kOidFloat8:
        case kOidNumeric:
          cell = std::strtod(v, nullptr);
          break;
        case kOidBool:
          cell = int64_t{v[0] == 't' ? 1 : 0};
          break;
        default:
          cell = std::string(v, static_cast<size_t>(len));
      }
    }
  }
  const char* tag = PQcmdStatus(const_cast<PGresult*>(res));
  if (tag && IsDml(tag)) {
    const char* n = PQcmdTuples(const_cast<PGresult*>(res));
    if (n && *n) out.affected = std::strtoll(n, nullptr, 10);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Connections

// NOTICEs ("relation already exists, skipping") go to the debug log, not to stderr.
void LogNotice(void*, const char* message) {
  spdlog::debug("postgresql notice: {}", Trim(message));
}

//! Opens a connection with the URL as given; the keywords before it are only defaults the
//! URL may override (a connect timeout, so a dead host does not hang the writer for minutes).
PGconn* Connect(const std::string& url, const char* app_name) {
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", app_name, url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c) PQsetNoticeProcessor(c, LogNotice, nullptr);
  return c;
}

// ---------------------------------------------------------------------------------------
// PgConn: one libpq connection in pipeline mode with its prepared statements.

//! Not thread-safe: owned by one thread at a time (the writer, or a reader lease).
class PgConn {
 public:
  //! Receives a statement's result. `aborted` means the server skipped the statement because
  //! an earlier one in the same pipeline failed (the earlier one carries the real error).
  using Callback = std::function<void(Result<Rows>, bool aborted)>;

  static Result<std::unique_ptr<PgConn>> Open(const std::string& url, const char* app_name,
                                              const char* setup) {
    PGconn* c = Connect(url, app_name);
    if (!c) return Unavailable("postgresql: out of memory opening a connection");
    std::unique_ptr<PgConn> conn(new PgConn(c));
    if (PQstatus(c) != CONNECTION_OK) {
      return Unavailable("cannot connect to " + RedactUrl(url) + ": " + Trim(PQerrorMessage(c)));
    }
    PGresult* res = PQexec(c, setup);
    const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    Status st = ok ? Status::Ok() : ErrorStatus(c, res);
    PQclear(res);
    if (!st.ok()) return st;
    if (PQenterPipelineMode(c) != 1) {
      return Internal("postgresql: cannot enter pipeline mode: " + Trim(PQerrorMessage(c)));
    }
    return conn;
  }

  ~PgConn() { PQfinish(conn_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  bool Broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  int BackendPid() const { return PQbackendPID(conn_); }
  //! True when the database stores UTF8, so valid UTF-8 text always converts.
  bool ServerUtf8() const {
    const char* enc = PQparameterStatus(conn_, "server_encoding");
    return enc && std::strcmp(enc, "UTF8") == 0;
  }

  //! Queues one statement; `done` runs during the next Sync(), in queue order.
  void Send(std::string_view sql, const Params& params, Callback done, std::string* tag = nullptr) {
    Cmd cmd;
    cmd.done = std::move(done);
    cmd.tag = tag;
    if (broken_) {
      queue_.push_back(std::move(cmd));
      return;
    }
    const size_t n = params.size();
    std::vector<Oid> types(n);
    std::vector<std::string> texts(n);
    std::vector<const char*> values(n, nullptr);
    std::string key;
    key.reserve(sql.size() + n + 1);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (const auto* iv = std::get_if<int64_t>(&v)) {
        types[i] = kOidInt8;
        texts[i] = std::to_string(*iv);
        values[i] = texts[i].c_str();
        key.push_back('i');
      } else if (const auto* dv = std::get_if<double>(&v)) {
        types[i] = kOidFloat8;
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, *dv);
        texts[i].assign(buf, r.ptr);
        values[i] = texts[i].c_str();
        key.push_back('d');
      } else if (const auto* sv = std::get_if<std::string>(&v)) {
        if (sv->find('\0') != std::string::npos) {
          cmd.preset =
              InvalidArgument("text parameter $" + std::to_string(i + 1) + " contains a NUL byte");
          queue_.push_back(std::move(cmd));
          return;
        }
        types[i] = kOidText;
        values[i] = sv->c_str();
        key.push_back('t');
      } else {
        types[i] = 0;  // NULL: let the server infer the type
        key.push_back('n');
      }
    }
    key.push_back('\x1f');
    key.append(sql);
    const std::string sql_text(sql);
    const int nparams = static_cast<int>(n);

    int sent = 0;
    auto it = statements_.find(key);
    if (it == statements_.end() && statements_.size() < kMaxPreparedStatements) {
      std::string name = "c" + std::to_string(++statement_counter_);
      if (PQsendPrepare(conn_, name.c_str(), sql_text.c_str(), nparams, types.data()) != 1) {
        MarkBroken();
        queue_.push_back(std::move(cmd));
        return;
      }
      Cmd prep;
      prep.prepare_key = key;
      queue_.push_back(std::move(prep));
      it = statements_.emplace(key, std::move(name)).first;
    }
    if (it != statements_.end()) {
      cmd.prepared_key = key;
      sent = PQsendQueryPrepared(conn_, it->second.c_str(), nparams, values.data(), nullptr,
                                 nullptr, 0);
    } else {
      sent = PQsendQueryParams(conn_, sql_text.c_str(), nparams, types.data(), values.data(),
                               nullptr, nullptr, 0);
    }
    if (sent != 1) MarkBroken();
    queue_.push_back(std::move(cmd));
  }

  //! Sends a Sync and delivers the results of everything queued. Returns kUnavailable when
  //! the connection failed (every pending callback then gets that error too).
  Status Sync() {
    if (queue_.empty()) return Status::Ok();
    if (!broken_ && PQpipelineSync(conn_) != 1) MarkBroken();
    Status prepare_error;  // error of a PREPARE, handed to the execution that follows it
    while (!queue_.empty()) {
      Cmd cmd = std::move(queue_.front());
      queue_.pop_front();
      if (!cmd.preset.ok()) {
        Deliver(cmd, cmd.preset, false);
        continue;
      }
      if (broken_) {
        Deliver(cmd, ConnectionLost(), false);
        continue;
      }
      PGresult* res = PQgetResult(conn_);
      if (!res) {
        MarkBroken();
        Deliver(cmd, ConnectionLost(), false);
        continue;
      }
      // Each statement's results end with a null.
      for (int extra = 0; extra < 64; ++extra) {
        PGresult* more = PQgetResult(conn_);
        if (!more) break;
        PQclear(more);
      }
      const ExecStatusType st = PQresultStatus(res);
      if (!cmd.prepare_key.empty()) {
        if (st != PGRES_COMMAND_OK) {
          statements_.erase(cmd.prepare_key);
          if (st != PGRES_PIPELINE_ABORTED) prepare_error = ErrorStatus(conn_, res);
        }
        PQclear(res);
        continue;
      }
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (cmd.tag) *cmd.tag = PQcmdStatus(res);
        Deliver(cmd, ToRows(res), false);
      } else if (st == PGRES_PIPELINE_ABORTED) {
        if (!prepare_error.ok()) {
          Deliver(cmd, std::exchange(prepare_error, Status::Ok()), false);
        } else {
          Deliver(cmd, Internal("postgresql: statement skipped after an earlier error"), true);
        }
      } else {
        const std::string state = Field(res, PG_DIAG_SQLSTATE);
        // A prepared statement the server no longer has, or whose plan changed shape.
        if (!cmd.prepared_key.empty() && (state == "26000" || state == "0A000")) {
          statements_.erase(cmd.prepared_key);
          stale_ = true;
        }
        Deliver(cmd, ErrorStatus(conn_, res), false);
      }
      PQclear(res);
    }
    if (!broken_) {
      PGresult* res = PQgetResult(conn_);
      if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC) MarkBroken();
      PQclear(res);
    }
    if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
    return broken_ ? ConnectionLost() : Status::Ok();
  }

  //! Send + Sync for one statement outside a transaction (readers). A statement whose
  //! cached plan went stale (a table changed shape under SELECT *) is prepared afresh once.
  Result<Rows> Exec(std::string_view sql, const Params& params = {}) {
    for (int attempt = 0;; ++attempt) {
      Result<Rows> out = Internal("postgresql: no result");
      stale_ = false;
      Send(sql, params, [&out](Result<Rows> r, bool) { out = std::move(r); });
      Status s = Sync();
      if (!s.ok()) return s;
      if (out.ok() || !stale_ || attempt > 0) return out;
    }
  }

 private:
  struct Cmd {
    Callback done;
    std::string* tag = nullptr;
    Status preset;             // failed before sending; nothing to read from the server
    std::string prepare_key;   // non-empty: the PREPARE of a cached statement
    std::string prepared_key;  // non-empty: execution of a cached statement
  };

  explicit PgConn(PGconn* c) : conn_(c) {}

  void MarkBroken() {
    if (!broken_) lost_message_ = Trim(PQerrorMessage(conn_));
    broken_ = true;
  }
  Status ConnectionLost() const {
    return Unavailable("postgresql connection lost" +
                       (lost_message_.empty() ? std::string() : ": " + lost_message_));
  }
  static void Deliver(Cmd& cmd, Result<Rows> r, bool aborted) {
    if (cmd.done) cmd.done(std::move(r), aborted);
  }

  PGconn* conn_;
  bool broken_ = false;
  bool stale_ = false;  // the last Sync dropped a stale prepared statement
  std::string lost_message_;
  std::deque<Cmd> queue_;
  std::unordered_map<std::string, std::string> statements_;  // key -> statement name
  uint64_t statement_counter_ = 0;
};

// ---------------------------------------------------------------------------------------
// Reader pool

//! Up to `size` reader connections opened on demand. Thread-safe.
class ReaderPool {
 public:
  ReaderPool(std::string url, int size) : url_(std::move(url)), size_(std::max(1, size)) {}

  Result<std::unique_ptr<PgConn>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !idle_.empty() || open_ < size_; });
    if (closed_) return Unavailable("store is closed");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
    lock.unlock();
    auto c = PgConn::Open(url_, "centinela-reader", kReaderSetup);
    if (!c.ok()) {
      lock.lock();
      --open_;
      cv_.notify_one();
      spdlog::warn("postgresql reader: {}", c.status().message());
    }
    return c;
  }

  //! Returns a connection; a broken one is dropped together with the idle ones (a server
  //! restart breaks them all), and later Acquire calls open fresh ones.
  void Release(std::unique_ptr<PgConn> c) {
    std::vector<std::unique_ptr<PgConn>> drop;
    {
      std::lock_guard lock(mu_);
      if (c->Broken() || closed_) {
        drop.push_back(std::move(c));
        if (!closed_) {
          for (auto& idle : idle_) drop.push_back(std::move(idle));
        }
        open_ -= static_cast<int>(drop.size());
        if (!closed_) idle_.clear();
      } else {
        idle_.push_back(std::move(c));
      }
    }
    cv_.notify_all();
  }

  void Close() {
    std::vector<std::unique_ptr<PgConn>> drop;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      drop.swap(idle_);
      open_ -= static_cast<int>(drop.size());
    }
    cv_.notify_all();
  }

 private:
  const std::string url_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;  // guarded by mu_
  int open_ = 0;                               // guarded by mu_; idle + leased
  bool closed_ = false;                        // guarded by mu_
};

// ---------------------------------------------------------------------------------------
// The store

struct Head {
  int64_t seq = 0;
  std::string hash;
};

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

//! Tx of one WriteFn inside a group commit.
class PgTx final : public Tx {
 public:
  //! `batch_error` is the batch's first failure of a statement the WriteFns do not see
  //! (BEGIN, SAVEPOINT, RELEASE, the event INSERTs): once set, the whole batch fails.
  PgTx(PgConn& conn, Head& head, int64_t now_ms, Status& batch_error, bool sync_appends)
      : conn_(conn),
        head_(head),
        now_ms_(now_ms),
        batch_error_(batch_error),
        sync_appends_(sync_appends) {}

  Result<Rows> Exec(std::string_view sql, const Params& params) override {
    if (!failed_.ok()) return Earlier();
    Result<Rows> out = Internal("postgresql: no result");
    conn_.Send(sql, params, [&out](Result<Rows> r, bool) { out = std::move(r); });
    Status s = conn_.Sync();
    if (!s.ok()) return failed_ = s;
    if (!batch_error_.ok()) return failed_ = batch_error_;
    if (!out.ok()) failed_ = out.status();
    return out;
  }

  Result<Event> Append(const EventDraft& draft) override {
    if (!failed_.ok()) return Earlier();
    for (const std::string* field :
         {&draft.type, &draft.actor, &draft.subject, &draft.scope, &draft.payload}) {
      if (!IsStorableText(*field)) {
        return failed_ = InvalidArgument("event text is not valid UTF-8 or contains NUL");
      }
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
    const Params params = {e.seq,   e.time_ms, e.type,      e.actor, e.subject,
                           e.scope, e.payload, e.prev_hash, e.hash};
    if (sync_appends_) {
      // The database is not UTF8, so text may still fail to convert: ask now.
      Result<Rows> r = Exec(kInsertEvent, params);
      if (!r.ok()) return r.status();
    } else {
      // Validated text under the head lock cannot fail for its data, so the INSERT rides
      // with the next round trip; if it fails anyway (disk full...), the batch fails.
      Status* batch_error = &batch_error_;
      conn_.Send(kInsertEvent, params, [batch_error](Result<Rows> r, bool aborted) {
        if (!r.ok() && !aborted && batch_error->ok()) *batch_error = r.status();
      });
    }
    head_.seq = e.seq;
    head_.hash = e.hash;
    events_.push_back(e);
    return e;
  }

  int64_t NowMs() const override { return now_ms_; }

  const Status& failed() const { return failed_; }
  std::vector<Event>& events() { return events_; }

 private:
  Status Earlier() const {
    return Status(failed_.code(),
                  "an earlier statement of this write failed: " + failed_.message());
  }

  PgConn& conn_;
  Head& head_;
  const int64_t now_ms_;
  Status& batch_error_;
  const bool sync_appends_;
  Status failed_;  // first failure seen by this WriteFn; the write is doomed after it
  std::vector<Event> events_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, const StoreOptions& options)
      : url_(std::move(url)),
        options_(options),
        clock_(options.clock ? options.clock : &system_clock_),
        metrics_(options.metrics),
        readers_(url_, options.reader_connections) {
    options_.max_batch = std::max(1, options_.max_batch);
    options_.max_queue = std::max(1, options_.max_queue);
    if (metrics_) {
      metrics_->Describe("centinela_store_commit_seconds", "histogram",
                         "Time to run and durably commit one group-commit transaction",
                         Metrics::LatencyBuckets());
      metrics_->Describe("centinela_store_batch_size", "histogram",
                         "Writes group-committed in one transaction",
                         {1, 2, 4, 8, 16, 32, 64, 128, 256});
      metrics_->Describe("centinela_store_writes_total", "counter",
                         "Writes completed by the store, by result");
    }
  }

  ~PostgresStore() override { Close(); }

  Status Start() {
    auto c = PgConn::Open(url_, "centinela-writer", kWriterSetup);
    if (!c.ok()) return c.status();
    writer_conn_ = std::move(c).value();
    auto schema = writer_conn_->Exec(kSelectSchema);
    if (!schema.ok()) return schema.status();
    channel_ = ChannelFor(schema->Text(0, "schema"));
    writer_pid_->store(writer_conn_->BackendPid());
    writer_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  std::string Backend() const override { return "postgresql"; }

  Result<int> Migrate() override;
  Result<int> SchemaVersion() override;

  Status Ping() override {
    auto r = Read("SELECT 1", {});
    return r.ok() ? Status::Ok() : r.status();
  }

  void Write(WriteFn fn, WriteDone done) override {
    {
      std::lock_guard lock(mu_);
      if (!closing_ && queue_.size() < static_cast<size_t>(options_.max_queue)) {
        queue_.push_back({std::move(fn), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    Count(Unavailable(""));
    if (done) done(Unavailable(closing() ? "store is closed" : "write queue is full"), {});
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    return Read(sql, params);
  }

  Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) override {
    std::vector<Event> out;
    if (limit <= 0) return out;
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
    std::lock_guard lock(listener_mu_);
    listener_ = std::move(listener);
  }

  Result<std::unique_ptr<CommitFeed>> OpenCommitFeed() override;

  void Close() override {
    std::lock_guard close_lock(close_mu_);
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) {
      if (writer_.get_id() == std::this_thread::get_id()) {
        writer_.detach();  // Close from a completion callback: the loop ends by itself
      } else {
        writer_.join();
      }
    }
    readers_.Close();
  }

 private:
  struct Pending {
    WriteFn fn;
    WriteDone done;
  };

  bool closing() {
    std::lock_guard lock(mu_);
    return closing_;
  }

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

  void Count(const Status& s) {
    if (!metrics_) return;
    metrics_->Inc("centinela_store_writes_total",
                  {{"backend", "postgresql"},
                   {"result", s.ok() ? std::string("ok") : std::string(CodeName(s.code()))}});
  }

  void WriterLoop() {
    std::vector<Pending> batch;
    for (;;) {
      batch.clear();
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) break;  // closing and drained
        const size_t n = std::min(queue_.size(), static_cast<size_t>(options_.max_batch));
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RunBatch(batch);
    }
    writer_conn_.reset();
  }

  void RunBatch(std::vector<Pending>& batch) {
    const auto start = std::chrono::steady_clock::now();
    const size_t n = batch.size();
    std::vector<Status> status(n);
    std::vector<std::vector<Event>> events(n);
    std::vector<Event> all;
    Status batch_status = Commit(batch, status, events);
    if (!batch_status.ok()) {
      for (size_t i = 0; i < n; ++i) {
        status[i] = batch_status;
        events[i].clear();
      }
    } else {
      for (auto& evs : events) all.insert(all.end(), evs.begin(), evs.end());
    }
    if (metrics_) {
      const Labels labels = {{"backend", "postgresql"}};
      metrics_->Observe(
          "centinela_store_commit_seconds", labels,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      metrics_->Observe("centinela_store_batch_size", labels, static_cast<double>(n));
      for (const auto& s : status) Count(s);
    }
    if (!all.empty()) {
      CommitListener listener;
      {
        std::lock_guard lock(listener_mu_);
        listener = listener_;
      }
      if (listener) {
        try {
          listener(all);
        } catch (const std::exception& e) {
          spdlog::error("postgresql store: commit listener threw: {}", e.what());
        } catch (...) {
          spdlog::error("postgresql store: commit listener threw");
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (!batch[i].done) continue;
      try {
        batch[i].done(std::move(status[i]), std::move(events[i]));
      } catch (const std::exception& e) {
        spdlog::error("postgresql store: write completion threw: {}", e.what());
      } catch (...) {
        spdlog::error("postgresql store: write completion threw");
      }
    }
  }

  //! Runs one group-commit transaction. Fills per-write status/events; a non-ok return
  //! fails the whole batch (nothing was committed, or the outcome is unknown).
  Status Commit(std::vector<Pending>& batch, std::vector<Status>& status,
                std::vector<std::vector<Event>>& events) {
    if (!writer_conn_ || writer_conn_->Broken()) {
      writer_conn_.reset();
      auto c = PgConn::Open(url_, "centinela-writer", kWriterSetup);
      if (!c.ok()) {
        spdlog::warn("postgresql writer: {}", c.status().message());
        return c.status();
      }
      writer_conn_ = std::move(c).value();
      writer_pid_->store(writer_conn_->BackendPid());
      spdlog::info("postgresql writer: reconnected to {}", RedactUrl(url_));
    }
    PgConn& conn = *writer_conn_;

    Status control;  // first failure of a BEGIN/SAVEPOINT/RELEASE/UPDATE: batch is broken
    auto control_cb = [&control](Result<Rows> r, bool aborted) {
      if (!r.ok() && !aborted && control.ok()) control = r.status();
    };
    auto lost = [&](Status s) {
      writer_conn_.reset();
      spdlog::warn("postgresql writer: {}; failing the batch, will reconnect", s.message());
      return s;
    };
    auto abort = [&](Status s) {
      conn.Send("ROLLBACK", {}, nullptr);
      if (!conn.Sync().ok()) lost(Unavailable("lost during ROLLBACK"));
      return s;
    };

    Result<Rows> head_rows = Internal("no head");
    conn.Send("BEGIN", {}, control_cb);
    conn.Send(kSelectHead, {}, [&](Result<Rows> r, bool) { head_rows = std::move(r); });
    if (Status s = conn.Sync(); !s.ok()) return lost(s);
    if (!control.ok()) return abort(control);
    if (!head_rows.ok()) {
      return abort(
          Status(head_rows.status().code(),
                 "reading event_head (is the schema migrated?): " + head_rows.status().message()));
    }
    if (head_rows->empty()) return abort(Internal("event_head row is missing"));
    Head head{head_rows->Int(0, "seq"), head_rows->Text(0, "hash")};
    const int64_t start_seq = head.seq;

    // Nothing below waits for an answer except the WriteFns' own Exec calls: SAVEPOINT,
    // RELEASE, ROLLBACK TO and event INSERTs ride with the next round trip.
    const bool sync_appends = !conn.ServerUtf8();
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string sp = "s" + std::to_string(i);
      const Head before = head;
      conn.Send("SAVEPOINT " + sp, {}, control_cb);
      PgTx tx(conn, head, clock_->NowMs(), control, sync_appends);
      Status st;
      try {
        st = batch[i].fn ? batch[i].fn(tx) : Status::Ok();
      } catch (const std::exception& e) {
        st = Internal(std::string("write threw: ") + e.what());
      } catch (...) {
        st = Internal("write threw a non-standard exception");
      }
      if (conn.Broken()) return lost(Unavailable("postgresql connection lost"));
      if (!control.ok()) return abort(control);
      // A WriteFn that ignored a failed statement cannot commit on PostgreSQL: the
      // subtransaction is aborted. Fail it with the statement's error.
      if (st.ok() && !tx.failed().ok()) st = tx.failed();
      if (st.ok()) {
        conn.Send("RELEASE SAVEPOINT " + sp, {}, control_cb);
        status[i] = Status::Ok();
        events[i] = std::move(tx.events());
      } else {
        conn.Send("ROLLBACK TO SAVEPOINT " + sp, {}, control_cb);
        conn.Send("RELEASE SAVEPOINT " + sp, {}, control_cb);
        head = before;
        status[i] = st;
      }
    }

    if (head.seq != start_seq) {
      conn.Send(kUpdateHead, {head.seq, head.hash}, control_cb);
      // Delivered to LISTENing nodes only if, and once, this transaction commits.
      conn.Send(kNotify, {channel_, std::to_string(head.seq)}, control_cb);
    }
    Result<Rows> commit = Internal("no COMMIT result");
    std::string tag;
    conn.Send(
        "COMMIT", {}, [&commit](Result<Rows> r, bool) { commit = std::move(r); }, &tag);
    if (Status s = conn.Sync(); !s.ok()) {
      return lost(Unavailable("connection lost during COMMIT; outcome unknown: " + s.message()));
    }
    if (!control.ok()) return abort(control);
    if (!commit.ok()) return commit.status();
    // COMMIT of a failed transaction answers "ROLLBACK".
    if (tag != "COMMIT") return Internal("postgresql: transaction rolled back at COMMIT");
    return Status::Ok();
  }

  const std::string url_;
  std::string channel_;  // set by Start(), read-only afterwards
  //! Backend pid of the writer connection (changes when it reconnects); shared with feeds.
  std::shared_ptr<std::atomic<int>> writer_pid_ = std::make_shared<std::atomic<int>>(0);
  StoreOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  Metrics* metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool closing_ = false;       // guarded by mu_

  std::mutex close_mu_;  // serialises Close()
  std::thread writer_;
  std::unique_ptr<PgConn> writer_conn_;  // writer thread only (Start before it runs)

  std::mutex listener_mu_;
  CommitListener listener_;  // guarded by listener_mu_

  ReaderPool readers_;
};

// ---------------------------------------------------------------------------------------
// CommitFeed: a plain (non-pipeline) connection that only LISTENs.

class PgCommitFeed final : public CommitFeed {
 public:
  //! `own_writer_pid` is the backend pid of this store's writer connection: notifications it
  //! sends are not reported, because the commit listener of this process already saw those
  //! commits (a local commit it cannot publish in order makes the follower read the log).
  static Result<std::unique_ptr<CommitFeed>> Open(const std::string& url,
                                                  std::shared_ptr<std::atomic<int>> own_writer_pid) {
    PGconn* c = Connect(url, "centinela-listen");
    if (!c) return Unavailable("postgresql: out of memory opening a connection");
    std::unique_ptr<PgCommitFeed> feed(new PgCommitFeed(c, std::move(own_writer_pid)));
    if (PQstatus(c) != CONNECTION_OK) {
      return Unavailable("cannot connect to " + RedactUrl(url) + ": " + Trim(PQerrorMessage(c)));
    }
    if (feed->wake_fd_ < 0) return Internal("eventfd failed");
    std::string schema;
    {
      PGresult* res = PQexec(c, kSelectSchema);
      const bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
      Status st = ok ? Status::Ok() : ErrorStatus(c, res);
      if (ok && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) schema = PQgetvalue(res, 0, 0);
      PQclear(res);
      if (!st.ok()) return st;
    }
    const std::string channel = ChannelFor(schema);
    char* quoted = PQescapeIdentifier(c, channel.c_str(), channel.size());
    if (!quoted) return Internal("postgresql: cannot quote the channel name");
    const std::string listen = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    PGresult* res = PQexec(c, listen.c_str());
    const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    Status st = ok ? Status::Ok() : ErrorStatus(c, res);
    PQclear(res);
    if (!st.ok()) return st;
    if (PQsetnonblocking(c, 1) != 0) return Internal("postgresql: cannot set non-blocking mode");
    return std::unique_ptr<CommitFeed>(std::move(feed));
  }

  ~PgCommitFeed() override {
    PQfinish(conn_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<int64_t> Wait(int timeout_ms) override {
    int64_t best = Drain();
    if (best > 0) return best;
    if (PQstatus(conn_) != CONNECTION_OK) return Lost();
    pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, std::max(0, timeout_ms));
    if (n < 0 && errno != EINTR) return Unavailable("poll on the LISTEN connection failed");
    if (n > 0 && (fds[1].revents & POLLIN)) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
    }
    if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      if (PQconsumeInput(conn_) != 1) return Lost();
    }
    best = Drain();
    if (PQstatus(conn_) != CONNECTION_OK) return Lost();
    return best;
  }

  void Wake() override {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
  }

  uint64_t Notifications() const override { return notifications_.load(); }

 private:
  PgCommitFeed(PGconn* c, std::shared_ptr<std::atomic<int>> own_writer_pid)
      : conn_(c),
        wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        own_writer_pid_(std::move(own_writer_pid)) {
    PQsetNoticeProcessor(c, LogNotice, nullptr);
  }

  //! Highest seq among the notifications libpq has already read (0 if none).
  int64_t Drain() {
    int64_t best = 0;
    while (PGnotify* n = PQnotifies(conn_)) {
      int64_t seq = 0;
      const char* p = n->extra ? n->extra : "";
      std::from_chars(p, p + std::strlen(p), seq);
      if (!own_writer_pid_ || n->be_pid != own_writer_pid_->load()) best = std::max(best, seq);
      notifications_.fetch_add(1);
      PQfreemem(n);
    }
    return best;
  }

  Status Lost() const {
    return Unavailable("postgresql LISTEN connection lost: " + Trim(PQerrorMessage(conn_)));
  }

  PGconn* conn_;
  int wake_fd_;
  std::shared_ptr<std::atomic<int>> own_writer_pid_;
  std::atomic<uint64_t> notifications_{0};
};

Result<std::unique_ptr<CommitFeed>> PostgresStore::OpenCommitFeed() {
  if (closing()) return Unavailable("store is closed");
  return PgCommitFeed::Open(url_, writer_pid_);
}

// ---------------------------------------------------------------------------------------
// Migrations (a plain connection outside pipeline mode: scripts hold several statements).

class PlainConn {
 public:
  explicit PlainConn(PGconn* c) : c_(c) {}
  ~PlainConn() { PQfinish(c_); }
  PGconn* get() const { return c_; }

  Status Run(const std::string& sql) {
    PGresult* res = PQexec(c_, sql.c_str());
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    Status s =
        (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok() : ErrorStatus(c_, res);
    PQclear(res);
    return s;
  }

  Result<int64_t> Int(const std::string& sql) {
    PGresult* res = PQexec(c_, sql.c_str());
    Result<int64_t> out = Internal("no value");
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK) {
      out = (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
                ? std::strtoll(PQgetvalue(res, 0, 0), nullptr, 10)
                : int64_t{0};
    } else {
      out = ErrorStatus(c_, res);
    }
    PQclear(res);
    return out;
  }

 private:
  PGconn* c_;
};

Result<int> PostgresStore::Migrate() {
  PlainConn conn(Connect(url_, "centinela-migrate"));
  if (!conn.get() || PQstatus(conn.get()) != CONNECTION_OK) {
    return Unavailable("cannot connect to " + RedactUrl(url_) + ": " +
                       Trim(PQerrorMessage(conn.get())));
  }
  const std::string lock =
      "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")";
  auto fail = [&](Status s, const std::string& what) {
    conn.Run("ROLLBACK");
    spdlog::error("postgresql migrate: {}: {}", what, s.message());
    return Status(s.code(), what + ": " + s.message());
  };
  if (Status s = conn.Run("SET synchronous_commit = on; SET client_encoding = 'UTF8'"); !s.ok())
    return s;
  // The lock serialises nodes that start together; it is per database, so schemas that
  // share a database (the test suite) take turns too, briefly.
  if (Status s = conn.Run("BEGIN; " + lock +
                          "; CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "version INTEGER PRIMARY KEY, name TEXT, applied_ms BIGINT); COMMIT");
      !s.ok()) {
    return fail(s, "creating schema_migrations");
  }
  int version = 0;
  for (const Migration& m : PostgresMigrations()) {
    if (Status s = conn.Run("BEGIN; " + lock); !s.ok()) return fail(s, "locking");
    auto current = conn.Int("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!current.ok()) return fail(current.status(), "reading schema_migrations");
    if (*current >= m.version) {
      conn.Run("COMMIT");
      version = static_cast<int>(*current);
      continue;
    }
    if (Status s = conn.Run(std::string(m.sql)); !s.ok()) {
      return fail(s, "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")");
    }
    const std::string version_text = std::to_string(m.version);
    const std::string name(m.name);
    const std::string now = std::to_string(clock_->NowMs());
    const char* values[3] = {version_text.c_str(), name.c_str(), now.c_str()};
    const Oid types[3] = {kOidInt4, kOidText, kOidInt8};
    PGresult* res = PQexecParams(conn.get(),
                                 "INSERT INTO schema_migrations (version, name, applied_ms) "
                                 "VALUES ($1, $2, $3)",
                                 3, types, values, nullptr, nullptr, 0);
    Status ins = (res && PQresultStatus(res) == PGRES_COMMAND_OK) ? Status::Ok()
                                                                  : ErrorStatus(conn.get(), res);
    PQclear(res);
    if (!ins.ok()) return fail(ins, "recording migration " + version_text);
    if (Status s = conn.Run("COMMIT"); !s.ok()) return fail(s, "committing migration");
    spdlog::info("postgresql: applied migration {} ({})", m.version, m.name);
    version = m.version;
  }
  auto final_version = conn.Int("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!final_version.ok()) return final_version.status();
  return static_cast<int>(std::max<int64_t>(version, *final_version));
}

Result<int> PostgresStore::SchemaVersion() {
  auto exists = Read("SELECT to_regclass('schema_migrations') IS NOT NULL AS present", {});
  if (!exists.ok()) return exists.status();
  if (exists->Int(0, "present", 0) == 0) return 0;
  auto r = Read("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations", {});
  if (!r.ok()) return r.status();
  return static_cast<int>(r->Int(0, "version", 0));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  if (Status s = store->Start(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace centinela::store
