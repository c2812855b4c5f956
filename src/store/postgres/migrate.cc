#include "store/postgres/migrate.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "common/redact.h"
#include "store/migrations.h"
#include "store/postgres/pg_conn.h"

namespace centinela::store::pg {
namespace {

//! Key of the advisory lock held while migrating (two nodes starting together).
constexpr int64_t kMigrationLockKey = 0x63656e74696e656c;  // "centinel"

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

}  // namespace

Result<int> Migrate(const std::string& url, const Clock& clock) {
  PlainConn conn(Connect(url, "centinela-migrate"));
  if (!conn.get() || PQstatus(conn.get()) != CONNECTION_OK) {
    return Unavailable("cannot connect to " + RedactUrl(url) + ": " +
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
    const std::string now = std::to_string(clock.NowMs());
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

}  // namespace centinela::store::pg
