#pragma once
// Versioned schema migrations, one list per backend. A migration is applied once, in order,
// inside a transaction, and recorded in schema_migrations(version, applied_ms). Never edit
// a released migration: append a new one. Both lists must describe the same logical schema
// (the conformance suite checks behaviour on both).

#include <string_view>
#include <vector>

namespace centinela::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  //!< one or more statements separated by ';'
};

const std::vector<Migration>& SqliteMigrations();
const std::vector<Migration>& PostgresMigrations();

}  // namespace centinela::store
