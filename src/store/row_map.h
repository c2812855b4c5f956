#pragma once
// A row type's columns declared once. An owner module writes its SELECT list and the member
// each column fills, in order; the statement text and the reading of a result row both come
// from that one table, so a column cannot be selected and never read, or read and never
// selected. Columns whose
// text needs parsing (JSON lists, enums) are members the owner fills after Read(). Pure;
// no I/O.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "store/value.h"

namespace centinela::store {

//! The result column an expression is read back as: the alias after " AS ", else the
//! part after the last '.' ("u.display_name AS author_name" → "author_name", "r.id" → "id").
inline std::string ResultColumnName(const std::string& expr) {
  size_t as = expr.rfind(" AS ");
  if (as != std::string::npos) return expr.substr(as + 4);
  size_t dot = expr.rfind('.');
  return dot == std::string::npos ? expr : expr.substr(dot + 1);
}

//! In place of a member: the column is selected, and the owner parses it after Read().
struct ParsedByOwner {};
inline constexpr ParsedByOwner kParsedByOwner{};

template <class T>
class RowMap {
 public:
  //! The members a column may fill: TEXT, INTEGER (int64 or int), REAL, a 0/1 flag, a REAL
  //! that may be NULL; or kParsedByOwner.
  using Member = std::variant<ParsedByOwner, std::string T::*, int64_t T::*, int T::*, double T::*,
                              bool T::*, std::optional<double> T::*>;
  //! `select`: the column expressions, separated by ", " (an expression holds no comma);
  //! `members`: what each fills, in the same order. A count that differs is a programming
  //! error, thrown as std::logic_error when the table is built (the first use).
  RowMap(const char* select, std::initializer_list<Member> members) : select_(select) {
    size_t begin = 0;
    auto member = members.begin();
    while (begin <= select_.size()) {
      size_t end = select_.find(", ", begin);
      if (end == std::string::npos) end = select_.size();
      if (member == members.end()) break;
      entries_.push_back(Entry{ResultColumnName(select_.substr(begin, end - begin)), *member++});
      begin = end + 2;
    }
    if (member != members.end() || begin <= select_.size())
      throw std::logic_error("RowMap: the columns \"" + select_ + "\" and " +
                             std::to_string(members.size()) + " members do not pair up");
  }

  //! "c.id, c.report_id, …": the column list for "SELECT " + Select() + " FROM …".
  const std::string& Select() const { return select_; }

  //! Row `i` of `rows` (a statement that selected Select()) as a T.
  T Read(const Rows& rows, size_t i) const {
    T out{};
    for (const Entry& e : entries_) Fill(rows, i, e, out);
    return out;
  }

 private:
  struct Entry {
    std::string name;
    Member member;
  };

  static void Fill(const Rows& rows, size_t i, const Entry& e, T& out) {
    std::visit(
        [&](auto member) {
          if constexpr (!std::is_same_v<decltype(member), ParsedByOwner>)
            Set(rows, i, e, member, out);
        },
        e.member);
  }

  template <class M>
  static void Set(const Rows& rows, size_t i, const Entry& e, M T::*member, T& out) {
    if constexpr (std::is_same_v<M, std::string>) {
      out.*member = rows.Text(i, e.name);
    } else if constexpr (std::is_same_v<M, bool>) {
      out.*member = rows.Int(i, e.name) != 0;
    } else if constexpr (std::is_same_v<M, int>) {
      out.*member = static_cast<int>(rows.Int(i, e.name));
    } else if constexpr (std::is_same_v<M, int64_t>) {
      out.*member = rows.Int(i, e.name);
    } else if constexpr (std::is_same_v<M, double>) {
      out.*member = rows.Real(i, e.name);
    } else {
      static_assert(std::is_same_v<M, std::optional<double>>);
      if (rows.Null(i, e.name)) {
        out.*member = std::nullopt;
      } else {
        out.*member = rows.Real(i, e.name);
      }
    }
  }

  std::vector<Entry> entries_;
  std::string select_;
};

}  // namespace centinela::store
