#include "dispatch/unit_rows.h"

namespace centinela::dispatch {

Result<std::optional<std::string>> UnitHomeArea(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec("SELECT home_area FROM units WHERE id = $1", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->Text(0, "home_area"));
}

}  // namespace centinela::dispatch
