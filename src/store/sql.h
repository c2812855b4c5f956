#pragma once
// Building portable statements: $1..$n placeholders with their Params kept in step, IN
// lists and multi-row VALUES. The one place such text is assembled (every module uses it
// instead of writing "$" + n by hand). Values are always bound, never spliced into the text.
// Pure; no I/O.

#include <cstddef>
#include <string>
#include <vector>

#include "store/value.h"

namespace centinela::store {

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

}  // namespace centinela::store
