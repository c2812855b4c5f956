#pragma once
// The adoption table as text: JSON (the API's body and `report adoption --format json`), CSV
// and an aligned plain-text table for a terminal. One writer for every output, so the CLI
// and the API agree to the digit. Numbers are written as integers and one-decimal
// percentages (never in exponent form). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/adoption.h"

namespace centinela::analytics {

//! {"area":..., "from_ms":..., "to_ms":... (null when open), "rows":[{"code", "name",
//! "parent" (null for the first row), "depth", "leaf", "population", "registered_addresses",
//! "target", "missing", "compliance_pct" (null when the target is 0), "reports"}]}.
std::string AdoptionJson(const std::vector<AdoptionRow>& rows, const std::string& area,
                         int64_t from_ms, std::optional<int64_t> to_ms);

//! Header code,name,parent,depth,population,registered_addresses,target,missing,
//! compliance_pct,reports; one line per row; fields quoted when they need it (RFC 4180).
std::string AdoptionCsv(const std::vector<AdoptionRow>& rows);

//! Columns aligned for a terminal, children indented under their parent.
std::string AdoptionText(const std::vector<AdoptionRow>& rows);

}  // namespace centinela::analytics
