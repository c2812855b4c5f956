#pragma once
// Feeds the adoption table (analytics/adoption.h) from the live data, for the CLI
// (`centinela report adoption`) and the API (/api/v1/analytics/adoption and
// /api/v1/areas/{code}/adoption): population from the areas, registered addresses = approved
// neighbourhood memberships per area (MembershipService::ApprovedCounts), reports = rows of
// report_areas created in [from, to). The library centinela_analytics_data holds this file;
// the pure centinela_analytics does not touch the store.
//
// Leaves contribute their own figures; a parent's row is the sum of its children, so
// memberships or reports attached to a parent but to none of its children (a home point in
// the precinct but outside every comuna) are not in the table; a report inside a comuna is
// also in report_areas for the precinct, and counting only the leaves avoids counting it
// twice.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "analytics/adoption.h"
#include "areas/areas.h"
#include "common/status.h"
#include "community/membership.h"
#include "store/store.h"

namespace centinela::analytics {

struct AdoptionQuery {
  std::string area;  //!< root of the table
  int64_t from_ms = 0;
  int64_t to_ms = std::numeric_limits<int64_t>::max();  //!< exclusive
};

//! The table for query.area and everything under it. kNotFound for an unknown area,
//! kInvalidArgument when from_ms > to_ms. Thread-safe (reads only).
Result<std::vector<AdoptionRow>> LoadAdoptionTable(store::Store& store,
                                                   const areas::AreaService& areas,
                                                   community::MembershipService& memberships,
                                                   const AdoptionQuery& query);

}  // namespace centinela::analytics
