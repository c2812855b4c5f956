#pragma once
// One SQLite connection with its prepared-statement cache, and the mapping of SQLite result
// codes to Status. Internal to the SQLite backend (store/sqlite/).

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "store/value.h"

namespace centinela::store::sqlite {

//! Status for a failed SQLite call: constraint violations are kConflict (naming the
//! constraint, never the values), busy/locked kUnavailable, the rest kInternal.
Status StatusFromSqlite(sqlite3* db, int rc, std::string_view what);

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

//! One sqlite3 handle and its statement cache. Not thread-safe: used by one thread at a
//! time (the writer thread, or whoever holds the reader lease).
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { Close(); }

  //! Opens `path`; `vfs` names the SQLite VFS to use (null: the default one).
  Status Open(const std::string& path, bool read_only, int busy_timeout_ms,
              const char* vfs = nullptr);
  void Close();
  sqlite3* db() const { return db_; }

  //! Runs SQL text with no parameters and no result (pragmas, BEGIN/COMMIT, DDL).
  Status ExecScript(const char* sql, std::string_view what);
  //! The cached statement for `sql`, preparing it on first use.
  Result<CachedStmt*> Prepare(std::string_view sql);
  //! Prepares (cached), binds `params` to $1..$n, steps to completion and collects rows.
  //! `reader`: only read-only statements are accepted.
  Result<Rows> Run(std::string_view sql, const Params& params, bool reader);
  //! Steps a cached statement that returns no rows; for the store's own statements.
  Status Step(std::string_view sql, std::string_view what);

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, CachedStmt, StringHash, std::equal_to<>> cache_;
};

//! Text of column `i` of the current row.
std::string ColumnText(sqlite3_stmt* st, int i);
//! Binds `s` (which must outlive the step) to parameter `idx`.
void BindText(sqlite3_stmt* st, int idx, const std::string& s);

}  // namespace centinela::store::sqlite
