#pragma once
// `centinela report monthly --area A --month YYYY-MM [--out DIR] [--pdf] [--lang es|en]`:
// the precinct meeting's monthly report as one self-contained HTML file (inline CSS and SVG,
// no network, no tiles: it renders offline) and, with --pdf, a PDF printed by headless
// chromium. Every figure comes from the functions the API uses: the adoption table
// (analytics/adoption_source), counts, weekday x hour and daily series from the crime map's
// IncidentIndex, Gi* and kernel density on its grid (crime/hotspot_grid), the dark figure
// (analytics/dark_figure_source) and response times (analytics/response_source).
//
// The month is a UTC calendar month [first day 00:00Z, next month's first day 00:00Z), as
// the dark-figure and response-time sources bucket by UTC month; --utc-offset moves only
// the hours and weekdays of the time matrix and the day boundaries of the trend chart.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analytics/adoption.h"
#include "analytics/dark_figure_source.h"
#include "analytics/response_times.h"
#include "areas/areas.h"
#include "common/status.h"
#include "community/membership.h"
#include "crime/hotspot_grid.h"
#include "crime/incident_index.h"
#include "store/store.h"

namespace centinela::app {

struct MonthlyReportFlags {
  std::string area;
  std::string month;           //!< YYYY-MM (UTC)
  std::string out_dir = ".";
  bool pdf = false;
  std::string lang = "es";     //!< es or en
  std::string utc_offset = "+00:00";  //!< local time for the matrix and the trend chart's days
  double cell_m = 250;         //!< grid of the maps and of Gi*
  double bandwidth_m = 750;    //!< kernel density bandwidth
  double target_s = 600;       //!< response-time target
};

//! Incidents of one source in one window.
struct PeriodCounts {
  int64_t from_ms = 0, to_ms = 0;
  uint64_t formal = 0, informal = 0;
};

//! A hot cell of the top-hotspots table.
struct TopCell {
  crime::HotspotCell cell;
  double lat = 0, lon = 0;  //!< centre
  std::string area_name;    //!< the innermost area containing the centre
};

//! Everything the report shows, computed; RenderMonthlyReportHtml only formats it.
struct MonthlyReportData {
  std::string lang = "es";
  areas::Area area;
  std::vector<areas::Area> children;  //!< drawn on the maps with the area
  std::string month;                  //!< YYYY-MM
  int64_t from_ms = 0, to_ms = 0;     //!< the month
  int64_t generated_ms = 0;
  int utc_offset_min = 0;

  std::vector<analytics::AdoptionRow> adoption;
  PeriodCounts current, previous, year_before;  //!< this month, previous month, a year before

  int64_t first_day = 0;  //!< day (since 1970-01-01, local) of rolling_*[0]
  std::vector<uint64_t> rolling_formal, rolling_informal;  //!< 28-day sums, one per day

  crime::WeekMatrix matrix{};  //!< this month, local time

  std::optional<geo::Grid> grid;
  crime::StudyArea study;
  uint64_t located = 0;                      //!< located incidents of the month in the area
  std::optional<analytics::Raster> density;  //!< per km^2 on the study area
  double bandwidth_m = 0;
  std::optional<crime::HotspotGrid> hotspots;
  std::string hotspots_note;  //!< why there are no hotspots, when there are none
  std::vector<TopCell> top;   //!< hot cells, highest z first (at most 10)

  std::vector<analytics::DarkFigureRow> dark;
  std::optional<analytics::DarkFigurePoint> dark_total;  //!< every family together
  analytics::DarkFigureQuery dark_query;

  std::vector<analytics::DurationSummary> response;  //!< key {month, agency, priority}
  double target_s = 600;
};

//! Progress lines ("report: ..."), for stderr.
using ReportProgress = std::function<void(const std::string&)>;

//! Computes the report's figures. kInvalidArgument for a bad month, language, offset or
//! parameter; kNotFound for an unknown area.
Result<MonthlyReportData> CollectMonthlyReport(store::Store& store, const areas::AreaService& areas,
                                               community::MembershipService& memberships,
                                               const MonthlyReportFlags& flags,
                                               const ReportProgress& progress);

//! The self-contained HTML document.
std::string RenderMonthlyReportHtml(const MonthlyReportData& data);

struct MonthlyReportFiles {
  std::string html;
  std::string pdf;  //!< empty without --pdf
};

//! Collects, writes <out>/informe-<area>-<month>.html (report-... with --lang en) and, with
//! --pdf, prints it to .pdf through headless chromium (CENTINELA_CHROMIUM, /usr/bin/chromium
//! or chromium/chromium-browser on PATH). kUnavailable when chromium is missing or fails.
Result<MonthlyReportFiles> WriteMonthlyReport(store::Store& store, const areas::AreaService& areas,
                                              community::MembershipService& memberships,
                                              const MonthlyReportFlags& flags,
                                              const ReportProgress& progress);

//! The chromium binary to print with, or "" when none is found.
std::string FindChromium();

}  // namespace centinela::app
