#pragma once
// `centinela report ...`: the precinct meeting's tables on the command line. The command
// table and store opening stay in commands.cc; this file renders.

#include <string>

#include "app/monthly_report.h"
#include "areas/areas.h"
#include "common/status.h"
#include "community/membership.h"
#include "store/store.h"

namespace centinela::app {

struct AdoptionReportFlags {
  std::string area;
  std::string from;             //!< YYYY-MM-DD or epoch ms; empty = from the beginning
  std::string to;               //!< exclusive; empty = open
  std::string format = "table";  //!< table, csv or json
};

//! The adoption table for flags.area as text in the chosen format. kInvalidArgument for a
//! bad format or time bound, kNotFound for an unknown area.
Result<std::string> RenderAdoptionReport(store::Store& store, const areas::AreaService& areas,
                                         community::MembershipService& memberships,
                                         const AdoptionReportFlags& flags);

//! `report monthly`: writes the HTML (and PDF) with progress lines on stderr and the paths
//! written on stdout. Returns the exit code: 0 written, 1 failed (chromium missing or failing,
//! store errors), 2 bad usage (area, month, language or parameter).
int RunMonthlyReport(store::Store& store, const areas::AreaService& areas,
                     community::MembershipService& memberships, const MonthlyReportFlags& flags);

}  // namespace centinela::app
