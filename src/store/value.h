#pragma once
// Portable SQL values, parameters and result rows shared by every Store backend.

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace centinela::store {

//! NULL, INTEGER (int64), REAL (double) or TEXT. Timestamps are int64 milliseconds since
//! the epoch, booleans are 0/1, JSON documents are TEXT: the same in SQLite and PostgreSQL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Params = std::vector<Value>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

//! Result of a statement: column names plus rows of values in column order.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  int64_t affected = 0;  //!< rows changed by INSERT/UPDATE/DELETE

  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
  //! Index of a column by name, or -1.
  int Column(const std::string& name) const;
  //! Accessors that convert loosely (TEXT "12" reads as 12); NULL gives the fallback.
  int64_t Int(size_t row, const std::string& col, int64_t fallback = 0) const;
  double Real(size_t row, const std::string& col, double fallback = 0) const;
  std::string Text(size_t row, const std::string& col, const std::string& fallback = {}) const;
  bool Null(size_t row, const std::string& col) const;
};

}  // namespace centinela::store
