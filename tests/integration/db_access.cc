#include "db_access.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace centinela::testing {

namespace {

std::vector<std::string> PgRun(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string err = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to PostgreSQL: " + err);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  auto st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string err = PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    throw std::runtime_error("PostgreSQL: " + err);
  }
  std::vector<std::string> out;
  if (st == PGRES_TUPLES_OK)
    for (int i = 0; i < PQntuples(res); ++i) out.emplace_back(PQgetvalue(res, i, 0));
  PQclear(res);
  PQfinish(conn);
  return out;
}

std::string RandomSuffix() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 10; ++i) s.push_back(static_cast<char>('a' + rd() % 26));
  return s;
}

}  // namespace

TestDatabase::TestDatabase(const std::string& backend, const std::string& dir) : backend_(backend), dir_(dir) {
  if (backend == "sqlite") {
    url_ = "sqlite:" + dir + "/centinela.db";
    return;
  }
  const char* base = std::getenv("CENTINELA_TEST_PG_URL");
  if (!base || !*base) {
    available_ = false;
    reason_ = "CENTINELA_TEST_PG_URL is not set (make test starts PostgreSQL and sets it)";
    return;
  }
  base_url_ = base;
  schema_ = "it_" + RandomSuffix();
  PgRun(base_url_, "CREATE SCHEMA " + schema_);
  url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
}

TestDatabase::~TestDatabase() {
  if (!schema_.empty()) {
    try {
      PgRun(base_url_, "SET client_min_messages = warning; DROP SCHEMA " + schema_ + " CASCADE");
    } catch (...) {
    }
  }
}

std::vector<std::string> TestDatabase::Column(const std::string& sql) {
  if (backend_ != "sqlite") return PgRun(url_, sql);
  sqlite3* db = nullptr;
  std::string path = url_.substr(7);
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("sqlite: " + err);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("sqlite: " + err);
  }
  sqlite3_close(db);
  return out;
}

void TestDatabase::Exec(const std::string& sql) { Column(sql); }

}  // namespace centinela::testing
