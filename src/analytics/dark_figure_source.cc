#include "analytics/dark_figure_source.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include "community/report_rows.h"
#include "crime/importer.h"
#include "geo/area_index.h"
#include "geo/grid.h"

namespace centinela::analytics {

namespace {

struct Located {
  std::string family;
  double lat = 0, lon = 0;
  int64_t t_ms = 0;
};

using Buckets = std::map<std::pair<std::string, std::string>, std::vector<Incident>>;

void Add(Buckets& b, const Located& e, const geo::LocalProjection& proj) {
  b[{MonthOf(e.t_ms), e.family}].push_back({e.family, proj.x(e.lon), proj.y(e.lat), e.t_ms});
}

}  // namespace

std::string MonthOf(int64_t ms) {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::milliseconds(ms));
  const std::chrono::year_month_day ymd{std::chrono::sys_days(days)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

Result<std::vector<DarkFigureRow>> LoadDarkFigure(store::Store& store,
                                                  const areas::AreaService& areas,
                                                  const DarkFigureQuery& q) {
  if (!(q.from_ms < q.to_ms)) return InvalidArgument("'from' must be before 'to'");
  if (!(q.match.distance_m > 0 && q.match.distance_m <= 50'000) ||
      !(q.match.hours > 0 && q.match.hours <= 24 * 31))
    return InvalidArgument("distance_m must be in (0, 50000] and hours in (0, 744]");
  std::optional<areas::Area> area = areas.Get(q.area);
  if (!area) return NotFound("no area '" + q.area + "'");
  // The area's own polygon alone, so each complaint is one point-in-polygon test.
  geo::AreaIndex inside;
  if (Status s = inside.Put(area->code, area->geometry); !s.ok()) return s;

  auto reports =
      community::ReportPointsInArea(store, q.area, q.from_ms, q.to_ms, kMaxDarkFigureRows + 1);
  if (!reports.ok()) return reports.status();
  auto complaints = crime::LocatedComplaints(store, q.from_ms, q.to_ms, kMaxDarkFigureRows + 1);
  if (!complaints.ok()) return complaints.status();
  if (static_cast<int64_t>(reports->size()) > kMaxDarkFigureRows ||
      static_cast<int64_t>(complaints->size()) > kMaxDarkFigureRows)
    return InvalidArgument("more than 500,000 reports or complaints in the window: narrow it");

  std::vector<Located> informal, formal;
  for (const community::ReportPoint& r : *reports)
    informal.push_back(Located{r.family, r.lat, r.lon, r.created_ms});
  for (const crime::LocatedComplaint& k : *complaints) {
    Located c{k.family, k.lat, k.lon, k.occurred_ms};
    if (!inside.At(c.lat, c.lon).empty()) formal.push_back(std::move(c));
  }
  std::optional<geo::LocalProjection> proj;
  if (!informal.empty()) proj.emplace(informal.front().lat, informal.front().lon);
  else if (!formal.empty()) proj.emplace(formal.front().lat, formal.front().lon);
  if (!proj) return std::vector<DarkFigureRow>{};

  Buckets in_b, fo_b;
  for (const Located& e : informal) Add(in_b, e, *proj);
  for (const Located& e : formal) Add(fo_b, e, *proj);
  std::map<std::pair<std::string, std::string>, bool> keys;
  for (const auto& [k, v] : in_b) keys[k] = true;
  for (const auto& [k, v] : fo_b) keys[k] = true;

  std::vector<DarkFigureRow> out;
  static const std::vector<Incident> kNone;
  for (const auto& [key, unused] : keys) {
    auto i = in_b.find(key);
    auto f = fo_b.find(key);
    const std::vector<Incident>& in = i == in_b.end() ? kNone : i->second;
    const std::vector<Incident>& fo = f == fo_b.end() ? kNone : f->second;
    auto m = MatchReports(in, fo, q.match);
    if (!m.ok()) return m.status();
    auto p = DarkFigure(m->informal, m->formal, m->matched, q.reference, q.target);
    if (!p.ok()) return p.status();
    out.push_back({key.first, key.second, *p});
  }
  return out;
}

}  // namespace centinela::analytics
