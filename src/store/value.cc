#include "store/value.h"

#include <charconv>

namespace centinela::store {

int Rows::Column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {
const Value* Cell(const Rows& r, size_t row, const std::string& col) {
  int c = r.Column(col);
  if (c < 0 || row >= r.rows.size()) return nullptr;
  return &r.rows[row][static_cast<size_t>(c)];
}
}  // namespace

int64_t Rows::Int(size_t row, const std::string& col, int64_t fallback) const {
  const Value* v = Cell(*this, row, col);
  if (!v) return fallback;
  if (auto* i = std::get_if<int64_t>(v)) return *i;
  if (auto* d = std::get_if<double>(v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(v)) {
    int64_t out = fallback;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return fallback;
}

double Rows::Real(size_t row, const std::string& col, double fallback) const {
  const Value* v = Cell(*this, row, col);
  if (!v) return fallback;
  if (auto* d = std::get_if<double>(v)) return *d;
  if (auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(v)) {
    try {
      return std::stod(*s);
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

std::string Rows::Text(size_t row, const std::string& col, const std::string& fallback) const {
  const Value* v = Cell(*this, row, col);
  if (!v) return fallback;
  if (auto* s = std::get_if<std::string>(v)) return *s;
  if (auto* i = std::get_if<int64_t>(v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(v)) return std::to_string(*d);
  return fallback;
}

bool Rows::Null(size_t row, const std::string& col) const {
  const Value* v = Cell(*this, row, col);
  return !v || IsNull(*v);
}

}  // namespace centinela::store
