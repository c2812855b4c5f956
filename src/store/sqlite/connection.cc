#include "store/sqlite/connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace centinela::store::sqlite {
namespace {

// Most distinct statements one connection keeps prepared. Callers normally use a fixed set
// of SQL texts; this only bounds the cache if someone builds SQL dynamically.
constexpr size_t kMaxCachedStatements = 512;

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

}  // namespace

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

Status Connection::Open(const std::string& path, bool read_only, int busy_timeout_ms,
                        const char* vfs) {
  const int flags = (read_only ? SQLITE_OPEN_READONLY
                               : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
                    SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs);
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

void Connection::Close() {
  cache_.clear();  // finalize every statement before closing the handle
  if (db_) sqlite3_close(db_);
  db_ = nullptr;
}

Status Connection::ExecScript(const char* sql, std::string_view what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg still holds the message
  if (rc != SQLITE_OK) return StatusFromSqlite(db_, rc, what);
  return Status::Ok();
}

Result<CachedStmt*> Connection::Prepare(std::string_view sql) {
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

Result<Rows> Connection::Run(std::string_view sql, const Params& params, bool reader) {
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

Status Connection::Step(std::string_view sql, std::string_view what) {
  Result<CachedStmt*> prepared = Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  sqlite3_stmt* st = (*prepared)->stmt.get();
  int rc = sqlite3_step(st);
  Status s = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? Status::Ok()
                                                     : StatusFromSqlite(db_, rc, what);
  sqlite3_reset(st);
  return s;
}

std::string ColumnText(sqlite3_stmt* st, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i)));
}

void BindText(sqlite3_stmt* st, int idx, const std::string& s) {
  sqlite3_bind_text64(st, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

}  // namespace centinela::store::sqlite
