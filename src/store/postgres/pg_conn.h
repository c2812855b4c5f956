#pragma once
// PostgreSQL connections for the store's backend (libpq): one connection in pipeline mode
// with its prepared statements (PgConn), the pool of reader connections, and the mapping of
// server errors to Status. Internal to store/postgres/.
//
// Round trips are what this backend spends its time on, so every connection runs in libpq
// pipeline mode: statements are queued with PQsend* and results are read after one Sync.
// Statements are prepared once per connection (keyed by SQL text and parameter types) and
// executed by name afterwards, the PREPARE travelling in the same pipeline as the first use.

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "store/value.h"

namespace centinela::store::pg {

inline constexpr Oid kOidBool = 16;
inline constexpr Oid kOidInt8 = 20;
inline constexpr Oid kOidInt2 = 21;
inline constexpr Oid kOidInt4 = 23;
inline constexpr Oid kOidText = 25;
inline constexpr Oid kOidFloat4 = 700;
inline constexpr Oid kOidFloat8 = 701;
inline constexpr Oid kOidNumeric = 1700;

// Session settings per role; application_name defaults (the URL may set its own) are
// centinela-writer / centinela-reader / centinela-migrate / centinela-listen.
inline constexpr const char* kWriterSetup =
    "SET synchronous_commit = on; SET client_encoding = 'UTF8'";
inline constexpr const char* kReaderSetup =
    "SET default_transaction_read_only = on; SET client_encoding = 'UTF8'";
inline constexpr const char* kSelectSchema = "SELECT current_schema() AS schema";

//! NOTIFY channel of the event log in `schema`. Channels are per database, and schemas that
//! share one database (the test suite) keep separate logs, so the schema is part of the name;
//! a name past PostgreSQL's 63-byte identifier limit is shortened with a hash of the rest.
std::string ChannelFor(const std::string& schema);
//! libpq messages span lines ("...unexpectedly\n\tThis probably means..."): one line for logs.
std::string Trim(std::string_view in);
//! Maps a failed result to a Status. Messages never carry parameter values: for
//! constraint violations they name the constraint, for data exceptions only the kind.
Status ErrorStatus(PGconn* conn, const PGresult* res);
//! NOTICEs ("relation already exists, skipping") go to the debug log, not to stderr.
void LogNotice(void*, const char* message);
//! Opens a connection with the URL as given; the keywords before it are only defaults the
//! URL may override (a connect timeout, so a dead host does not hang the writer for minutes).
PGconn* Connect(const std::string& url, const char* app_name);

// ---------------------------------------------------------------------------------------
// PgConn: one libpq connection in pipeline mode with its prepared statements.

//! Not thread-safe: owned by one thread at a time (the writer, or a reader lease).
class PgConn {
 public:
  //! Receives a statement's result. `aborted` means the server skipped the statement because
  //! an earlier one in the same pipeline failed (the earlier one carries the real error).
  using Callback = std::function<void(Result<Rows>, bool aborted)>;

  static Result<std::unique_ptr<PgConn>> Open(const std::string& url, const char* app_name,
                                              const char* setup);

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
  void Send(std::string_view sql, const Params& params, Callback done, std::string* tag = nullptr);

  //! Sends a Sync and delivers the results of everything queued. Returns kUnavailable when
  //! the connection failed (every pending callback then gets that error too).
  Status Sync();

  //! Send + Sync for one statement outside a transaction (readers). A statement whose
  //! cached plan went stale (a table changed shape under SELECT *) is prepared afresh once.
  Result<Rows> Exec(std::string_view sql, const Params& params = {});


 private:
  struct Cmd {
    Callback done;
    std::string* tag = nullptr;
    Status preset;             // failed before sending; nothing to read from the server
    std::string prepare_key;   // non-empty: the PREPARE of a cached statement
    std::string prepared_key;  // non-empty: execution of a cached statement
  };

  explicit PgConn(PGconn* c) : conn_(c) {}

  void MarkBroken();
  Status ConnectionLost() const;
  static void Deliver(Cmd& cmd, Result<Rows> r, bool aborted);

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

  Result<std::unique_ptr<PgConn>> Acquire() EXCLUDES(mu_);

  //! Returns a connection; a broken one is dropped together with the idle ones (a server
  //! restart breaks them all), and later Acquire calls open fresh ones.
  void Release(std::unique_ptr<PgConn> c) EXCLUDES(mu_);

  void Close() EXCLUDES(mu_);

 private:
  const std::string url_;
  const int size_;
  Mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle + leased
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace centinela::store::pg
