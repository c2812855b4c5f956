#pragma once
// Feeds the dark figure (analytics/dark_figure.h) from the live data, per month (UTC) and
// category family, for GET /api/v1/analytics/dark-figure:
//   informal = reports listed under the area in report_areas, created in the window;
//   formal   = complaints with coordinates that lie inside the area (point in polygon through
//              the AreaService), occurred in the window.
// Both are projected to metres around the area's first report or complaint
// (geo::LocalProjection) and matched within each (month, family) bucket: a report and a
// complaint on either side of a month boundary are not matched (at most T hours of each
// month are affected). Complaints without coordinates (area-level rows) cannot be matched
// and are left out.

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/dark_figure.h"
#include "areas/areas.h"
#include "common/status.h"
#include "store/store.h"

namespace centinela::analytics {

//! Most reports or complaints one dark-figure query reads (the window is too wide beyond).
inline constexpr int64_t kMaxDarkFigureRows = 500'000;

struct DarkFigureQuery {
  std::string area;
  int64_t from_ms = 0;
  int64_t to_ms = 0;  //!< exclusive
  MatchOptions match;
  double reference = 0.5;  //!< survey share of crimes not reported (ENUSC ~50 %)
  double target = 0.3;
};

struct DarkFigureRow {
  std::string month;   //!< "YYYY-MM" (UTC)
  std::string family;
  DarkFigurePoint point;
};

//! Rows ordered by month then family. kNotFound for an unknown area, kInvalidArgument for an
//! empty window or bad parameters, or more than kMaxDarkFigureRows rows on either side.
Result<std::vector<DarkFigureRow>> LoadDarkFigure(store::Store& store,
                                                  const areas::AreaService& areas,
                                                  const DarkFigureQuery& q);

//! "YYYY-MM" of an epoch-ms instant (UTC).
std::string MonthOf(int64_t ms);

}  // namespace centinela::analytics
