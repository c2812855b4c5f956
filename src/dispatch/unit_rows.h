#pragma once
// Typed access to the `units` rows that dispatch/units.cc owns, for tracking (which sits below
// dispatch: dispatch links tracking). Its own small library (centinela_unit_rows: store only),
// so tracking checks a unit id in its own write without a dependency cycle.

#include <optional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace centinela::dispatch {

//! The home area of unit `id`; nullopt when there is no such unit.
Result<std::optional<std::string>> UnitHomeArea(store::Tx& tx, const std::string& id);

}  // namespace centinela::dispatch
