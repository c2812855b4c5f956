#pragma once
// Migrations of the PostgreSQL schema: a plain connection outside pipeline mode (scripts
// hold several statements), under an advisory lock so nodes starting together take turns.
// Internal to store/postgres/.

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace centinela::store::pg {

//! Applies pending migrations to the database at `url`; returns the version reached.
Result<int> Migrate(const std::string& url, const Clock& clock);

}  // namespace centinela::store::pg
