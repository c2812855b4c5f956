#pragma once
// Building portable statements: $1..$n placeholders with their Params kept in step, IN
// lists and multi-row VALUES. The one place such text is assembled (every module uses it
// instead of writing "$" + n by hand). Values are always bound, never spliced into the text.
// Pure; no I/O.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/value.h"

namespace centinela::store {

//! NULL for an empty string (an absent optional TEXT column), else the text.
inline Value TextOrNull(const std::string& s) { return s.empty() ? Value{} : Value{s}; }

//! "$n" for the n-th (1-based) parameter.
std::string Placeholder(size_t n);

//! Appends `v` to `params` and returns its placeholder ("$<params.size()>").
std::string Bind(Params& params, Value v);

//! "($a, $b, ...)" binding each value in order (appended to `params`). An empty list gives
//! "(NULL)", which matches no row, so `x IN (NULL)` is false (not a syntax error).
std::string InList(Params& params, const std::vector<std::string>& values);
std::string InList(Params& params, const Params& values);

//! "($f, $f+1, ...), (...)" for `rows` rows of `cols` placeholders numbered from `first`:
//! the VALUES part of a multi-row INSERT whose params are pushed row by row.
std::string ValueRows(size_t rows, size_t cols, size_t first = 1);

//! Each row of a statement's result made into a T by `row(rows, i)`; the statement's error
//! passed on. The one loop behind the owners' typed list functions.
template <class T, class RowFn>
Result<std::vector<T>> MapRows(const Result<Rows>& rows, RowFn&& row) {
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  out.reserve(rows->size());
  for (size_t i = 0; i < rows->size(); ++i) out.push_back(row(*rows, i));
  return out;
}

//! One TEXT column of every row (ids, area codes), the statement's error passed on.
Result<std::vector<std::string>> TextColumn(const Result<Rows>& rows, const std::string& column);

}  // namespace centinela::store
