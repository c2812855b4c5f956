#include "store/sql.h"

namespace centinela::store {

std::string Placeholder(size_t n) {
  // Built in two steps: `"$" + std::to_string(n)` trips GCC 12's -Wrestrict false positive
  // at -O3 (GCC bug 105651), which -Werror turns into a failed Release build.
  std::string out = "$";
  out += std::to_string(n);
  return out;
}

std::string Bind(Params& params, Value v) {
  params.push_back(std::move(v));
  return Placeholder(params.size());
}

std::string InList(Params& params, const Params& values) {
  if (values.empty()) return "(NULL)";
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += Bind(params, values[i]);
  }
  out += ")";
  return out;
}

std::string InList(Params& params, const std::vector<std::string>& values) {
  return InList(params, Params(values.begin(), values.end()));
}

std::string ValueRows(size_t rows, size_t cols, size_t first) {
  std::string out;
  size_t n = first;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) out += ", ";
      out += Placeholder(n++);
    }
    out += ")";
  }
  return out;
}

Result<std::vector<std::string>> TextColumn(const Result<Rows>& rows, const std::string& column) {
  return MapRows<std::string>(rows, [&column](const Rows& r, size_t i) { return r.Text(i, column); });
}

}  // namespace centinela::store
