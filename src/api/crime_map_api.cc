// The crime map: /api/v1/analytics/{map,areas,matrix,trends,hotspots}. Counts of formal complaints
// and informal reports over a metric grid, per area, per weekday x hour, and over time, from
// the in-memory IncidentIndex (crime/). Staff only (operators, responders, analysts,
// admins); each figure covers only the areas the caller's grants cover. docs/crime-map.md.
#include <cmath>
#include <cstdio>
#include <ctime>

#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "common/clock.h"
#include "crime/hotspot_grid.h"
#include "crime/importer.h"
#include "crime/incident_feed.h"
#include "crime/incident_index.h"
#include "crime/mapping.h"
#include "geo/area_index.h"
#include "geo/geometry.h"
#include "geo/grid.h"

namespace centinela::api {

namespace {

const std::vector<auth::Role> kReaders = {auth::Role::kOperator, auth::Role::kResponder,
                                          auth::Role::kAnalyst, auth::Role::kAdmin};
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxGeoJsonCells = 20'000;
constexpr size_t kMaxCompactCells = 1'000'000;
constexpr size_t kMaxListItems = 100;

// `utc_offset`: "+HH:MM" / "-HH:MM" (or "Z") -> minutes east of UTC; 0 when not given.
Result<int> ParseUtcOffset(const http::Request& req) {
  const std::string s = QueryText(req, "utc_offset").value_or("Z");
  if (s == "Z") return 0;
  const Status bad = InvalidArgument("utc_offset must look like -04:00");
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return bad;
  for (size_t i : {1, 2, 4, 5})
    if (s[i] < '0' || s[i] > '9') return bad;
  const int h = (s[1] - '0') * 10 + (s[2] - '0');
  const int m = (s[4] - '0') * 10 + (s[5] - '0');
  if (h > 14 || m > 59) return bad;
  return (s[0] == '-' ? -1 : 1) * (h * 60 + m);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Plain decimal (Boost.JSON would print coordinates in exponent form).
void AppendFixed(std::string& out, double v, int digits = 7) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  out += buf;
}

struct Parsed {
  crime::IncidentFilter filter;
  int offset_min = 0;
  std::optional<std::string> area;  // the one area asked for
};

// Scope and the common filter parameters (the route has checked the caller holds a reader
// role). The area is checked here, after the other parameters (400 first), and an unknown
// one is 404: an AreaQuery rule would answer 403 before either.
Result<Parsed> ParseCommon(ApiContext& ctx, http::Request& req, const Caller& p) {
  Parsed out;
  auto off = ParseUtcOffset(req);
  if (!off.ok()) return off.status();
  out.offset_min = *off;
  auto from = QueryTime(req, "from", out.offset_min);
  if (!from.ok()) return from.status();
  auto to = QueryTime(req, "to", out.offset_min);
  if (!to.ok()) return to.status();
  out.filter.from_ms = *from;
  out.filter.to_ms = *to;
  if (out.filter.from_ms && out.filter.to_ms && *out.filter.from_ms >= *out.filter.to_ms)
    return InvalidArgument("'from' must be before 'to'");
  auto categories = QueryList(req, "categories", kMaxListItems);
  if (!categories.ok()) return categories.status();
  out.filter.categories = *std::move(categories);
  auto families = QueryList(req, "families", kMaxListItems);
  if (!families.ok()) return families.status();
  out.filter.families = *std::move(families);
  auto source = QueryChoice(req, "source", {"formal", "informal", "both"}, "both");
  if (!source.ok()) return source.status();
  out.filter.source = *source == "formal"     ? crime::SourceFilter::kFormal
                      : *source == "informal" ? crime::SourceFilter::kInformal
                                              : crime::SourceFilter::kBoth;
  std::string area = req.Query("area");
  if (!area.empty()) {
    if (!ctx.areas.Get(area)) return NotFound("no area '" + area + "'");
    if (Status s = CoverArea(ctx, p, kReaders, area); !s.ok()) return s;
    out.area = area;
    out.filter.areas = std::vector<std::string>{area};
  } else {
    // No area asked: everything for grants over every area, else the areas granted.
    auth::AreaScope scope = auth::ScopeOf(p, kReaders);
    if (!scope.all) out.filter.areas = std::move(scope.areas);
  }
  if (ctx.crime_feed) {
    Status s = ctx.crime_feed->Refresh();
    if (!s.ok()) return Unavailable("crime map data could not be refreshed");
  }
  return out;
}

// The grid of a map or hotspot request: `cell` metres (default 250) with its reference at
// `origin=lat,lon`, else the centre of the area, else of the data, rounded to 0.01 degree so
// the same request gives the same cells as data grows.
struct GridSpec {
  double cell = 250;
  double lat0 = 0, lon0 = 0;
  std::optional<geo::Grid> grid;
};

Result<GridSpec> ParseGrid(ApiContext& ctx, http::Request& req, const Parsed& q) {
  GridSpec g;
  auto cell = QueryNumber(req, "cell");
  if (!cell.ok()) return cell.status();
  g.cell = cell->value_or(g.cell);
  if (auto o = QueryText(req, "origin")) {
    const size_t comma = o->find(',');
    auto lat = ParseNumber(std::string_view(*o).substr(0, comma), "origin");
    auto lon = comma == std::string::npos
                   ? Result<double>(InvalidArgument(""))
                   : ParseNumber(std::string_view(*o).substr(comma + 1), "origin");
    if (!lat.ok() || !lon.ok()) return InvalidArgument("'origin' must be lat,lon");
    g.lat0 = *lat;
    g.lon0 = *lon;
  } else if (q.area) {
    auto area = ctx.areas.Get(*q.area);
    auto v = geo::ValidateGeometry(area->geometry);
    if (v.ok()) {
      g.lat0 = (v->bbox.min_lat + v->bbox.max_lat) / 2;
      g.lon0 = (v->bbox.min_lon + v->bbox.max_lon) / 2;
    }
  } else if (auto b = ctx.crime_index->Bounds()) {
    g.lat0 = ((*b)[0] + (*b)[2]) / 2;
    g.lon0 = ((*b)[1] + (*b)[3]) / 2;
  }
  g.lat0 = std::round(g.lat0 * 100) / 100;
  g.lon0 = std::round(g.lon0 * 100) / 100;
  auto grid = geo::Grid::Make(g.lat0, g.lon0, g.cell);
  if (!grid.ok()) return grid.status();
  g.grid = *grid;
  return g;
}

// "cell_m", "origin", "cell_dlat", "cell_dlon", "matched", "unlocated" (no braces).
void AppendGridMeta(std::string& body, const GridSpec& g, const crime::GridCounts& counts) {
  body += "\"cell_m\":";
  AppendFixed(body, g.cell, 0);
  body += ",\"origin\":{\"lat\":";
  AppendFixed(body, g.lat0, 2);
  body += ",\"lon\":";
  AppendFixed(body, g.lon0, 2);
  body += "},\"cell_dlat\":";
  AppendFixed(body, g.grid->cell_dlat(), 10);
  body += ",\"cell_dlon\":";
  AppendFixed(body, g.grid->cell_dlon(), 10);
  body += ",\"matched\":" + std::to_string(counts.matched) +
          ",\"unlocated\":" + std::to_string(counts.unlocated);
}

// {"type":"Polygon","coordinates":[[...]]} of a cell, in plain decimal.
void AppendCellPolygon(std::string& body, const geo::Grid& grid, int32_t ix, int32_t iy) {
  body += "{\"type\":\"Polygon\",\"coordinates\":[[";
  auto ring = grid.Polygon({ix, iy});
  for (size_t k = 0; k < ring.size(); ++k) {
    if (k) body += ',';
    body += '[';
    AppendFixed(body, ring[k].lon);
    body += ',';
    AppendFixed(body, ring[k].lat);
    body += ']';
  }
  body += "]]}";
}

void Map(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto q = ParseCommon(ctx, req, p);
  if (!q.ok()) return respond(q.status());
  auto format_param = QueryChoice(req, "format", {"geojson", "compact"}, "geojson");
  if (!format_param.ok()) return respond(format_param.status());
  const std::string format = *format_param;
  auto spec = ParseGrid(ctx, req, *q);
  if (!spec.ok()) return respond(spec.status());
  const geo::Grid* grid = &*spec->grid;

  crime::GridCounts counts = ctx.crime_index->Grid(*grid, q->filter);
  const size_t limit = format == "geojson" ? kMaxGeoJsonCells : kMaxCompactCells;
  if (counts.cells.size() > limit) {
    return respond(Unprocessable(
        std::to_string(counts.cells.size()) + " cells exceed the limit of " +
        std::to_string(limit) +
        (format == "geojson" ? " for GeoJSON: use format=compact, a larger cell or a smaller area"
                             : ": use a larger cell or a smaller area")));
  }

  std::string body;
  body.reserve(64 + counts.cells.size() * (format == "geojson" ? 260 : 24));
  auto meta = [&]() { AppendGridMeta(body, *spec, counts); };
  if (format == "compact") {
    body += "{\"format\":\"compact\",";
    meta();
    body += ",\"cells\":[";
    for (size_t i = 0; i < counts.cells.size(); ++i) {
      const auto& c = counts.cells[i];
      if (i) body += ',';
      body += '[' + std::to_string(c.ix) + ',' + std::to_string(c.iy) + ',' +
              std::to_string(c.count) + ']';
    }
    body += "]}";
  } else {
    body += "{\"type\":\"FeatureCollection\",";
    meta();
    body += ",\"features\":[";
    for (size_t i = 0; i < counts.cells.size(); ++i) {
      const auto& c = counts.cells[i];
      if (i) body += ',';
      body += "{\"type\":\"Feature\",\"geometry\":";
      AppendCellPolygon(body, *grid, c.ix, c.iy);
      body += ",\"properties\":{\"ix\":" + std::to_string(c.ix) +
              ",\"iy\":" + std::to_string(c.iy) + ",\"count\":" + std::to_string(c.count) + "}}";
    }
    body += "]}";
  }
  respond(http::Response::Json(200, std::move(body)));
}

std::string MonthOf(int64_t ms, int offset_min) {
  return CivilDate(FloorDiv(ms + int64_t{offset_min} * 60'000, kDayMs)).substr(0, 7);
}

void Areas(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto q = ParseCommon(ctx, req, p);
  if (!q.ok()) return respond(q.status());
  std::map<std::string, uint64_t> counts = ctx.crime_index->PerArea(q->filter);

  // Area-level monthly formal figures (formal_counts) for the months the window touches.
  std::map<std::string, int64_t> monthly;
  if (q->filter.source != crime::SourceFilter::kInformal) {
    crime::FormalCountFilter f;
    if (q->filter.from_ms) f.from_month = MonthOf(*q->filter.from_ms, q->offset_min);
    if (q->filter.to_ms) f.to_month = MonthOf(*q->filter.to_ms - 1, q->offset_min);
    f.categories = q->filter.categories;
    f.families = q->filter.families;
    auto sums = crime::FormalCountsByArea(ctx.store, f);
    if (!sums.ok())
      return respond(Internal("formal counts could not be read"));
    monthly = std::move(*sums);
  }
  // Rows: the areas asked for / granted (with their descendants), or every known area.
  std::vector<std::string> codes;
  if (q->filter.areas) {
    for (const std::string& code : *q->filter.areas) {
      if (!ctx.areas.Has(code)) continue;
      codes.push_back(code);
      for (std::string& d : ctx.areas.Descendants(code)) codes.push_back(std::move(d));
    }
  } else {
    for (const areas::Area& a : ctx.areas.List()) codes.push_back(a.code);
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());  // overlapping asks
  json::array out;
  for (const std::string& code : codes) {
    auto a = ctx.areas.Get(code);
    json::object o{
        {"code", code}, {"name", a ? a->name : ""}, {"parent_code", a ? a->parent_code : ""}};
    auto c = counts.find(code);
    o["incidents"] = c == counts.end() ? 0 : c->second;
    auto m = monthly.find(code);
    if (q->filter.source != crime::SourceFilter::kInformal)
      o["monthly_formal"] = m == monthly.end() ? 0 : m->second;
    out.push_back(std::move(o));
  }
  respond(http::Response::Json(200, json::serialize(json::object{{"areas", std::move(out)}})));
}

void Matrix(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto q = ParseCommon(ctx, req, p);
  if (!q.ok()) return respond(q.status());
  crime::WeekMatrix m = ctx.crime_index->Matrix(q->filter, q->offset_min);
  json::array rows;
  uint64_t total = 0;
  for (const auto& day : m) {
    json::array hours;
    for (uint64_t n : day) {
      hours.push_back(n);
      total += n;
    }
    rows.push_back(std::move(hours));
  }
  json::object o{{"weekdays", json::array{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}},
                 {"matrix", std::move(rows)},
                 {"total", total}};
  respond(http::Response::Json(200, json::serialize(o)));
}

void Trends(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto q = ParseCommon(ctx, req, p);
  if (!q.ok()) return respond(q.status());
  auto days_param = QueryInt(req, "days", 1, 366);
  if (!days_param.ok()) return respond(days_param.status());
  auto rolling_param = QueryInt(req, "rolling_days", 1, 1096);
  if (!rolling_param.ok()) return respond(rolling_param.status());
  const int days = static_cast<int>(days_param->value_or(28));
  const int rolling_days = static_cast<int>(rolling_param->value_or(365));
  // The period ends at `to` (exclusive; a date is that local midnight); default: the end of
  // today. It is counted in whole local days, so `to` is rounded up to a day boundary.
  const int64_t offset = int64_t{q->offset_min} * 60'000;
  int64_t to = q->filter.to_ms ? *q->filter.to_ms : std::time(nullptr) * int64_t{1000};
  int64_t end_day = FloorDiv(to + offset - 1, kDayMs) + 1;  // first local day after the period
  crime::IncidentFilter f = q->filter;
  f.from_ms.reset();
  f.to_ms.reset();
  // One daily series covers the year-before period, the rolling window and both periods.
  const int64_t year_back = 364;  // 52 weeks, so weekdays line up
  const int64_t first_day = std::min(end_day - year_back - days, end_day - rolling_days - 27);
  const int span = static_cast<int>(end_day - first_day);
  std::vector<uint64_t> daily = ctx.crime_index->Daily(f, first_day, span, q->offset_min);
  auto sum = [&](int64_t from_day, int64_t to_day) {
    uint64_t n = 0;
    for (int64_t d = from_day; d < to_day; ++d) n += daily[static_cast<size_t>(d - first_day)];
    return n;
  };
  auto period = [&](int64_t from_day, int64_t to_day) {
    return json::object{{"from", CivilDate(from_day)},
                        {"to", CivilDate(to_day)},
                        {"count", sum(from_day, to_day)}};
  };
  json::object current = period(end_day - days, end_day);
  json::object previous = period(end_day - 2 * days, end_day - days);
  json::object year_before = period(end_day - year_back - days, end_day - year_back);
  auto change = [&](json::object& base) -> json::value {
    double b = static_cast<double>(base["count"].as_uint64());
    double c = static_cast<double>(current["count"].as_uint64());
    if (b == 0) return nullptr;
    return std::round((c - b) / b * 1000) / 10;
  };
  previous["change_pct"] = change(previous);
  year_before["change_pct"] = change(year_before);
  json::array rolling;
  for (int64_t d = end_day - rolling_days; d < end_day; ++d) {
    rolling.push_back(json::object{{"date", CivilDate(d)},
                                   {"count", daily[static_cast<size_t>(d - first_day)]},
                                   {"rolling_28d", sum(d - 27, d + 1)}});
  }
  json::object o{{"days", days},
                 {"current", std::move(current)},
                 {"previous", std::move(previous)},
                 {"year_before", std::move(year_before)},
                 {"rolling", std::move(rolling)}};
  // to (exclusive) as given by the period: dates are local days at utc_offset.
  respond(http::Response::Json(200, json::serialize(o)));
}

// Gi* hot and cold spots over the grid (crime/hotspot_grid.h): the study area is the area
// asked for (or the caller's granted areas), cells whose centre lies inside; for staff over
// every area without `area`, the rectangle around the non-empty cells.
void Hotspots(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto q = ParseCommon(ctx, req, p);
  if (!q.ok()) return respond(q.status());
  auto format_param = QueryChoice(req, "format", {"geojson", "compact"}, "geojson");
  if (!format_param.ok()) return respond(format_param.status());
  const std::string format = *format_param;
  auto which = QueryChoice(req, "cells", {"significant", "all"}, "significant");
  if (!which.ok()) return respond(which.status());
  const bool all_cells = *which == "all";
  crime::HotspotOptions options;
  auto band = QueryNumber(req, "band_m");
  if (!band.ok()) return respond(band.status());
  if (*band) {
    if (**band <= 0) return respond(InvalidArgument("'band_m' must be a positive number of metres"));
    options.band_m = **band;
  }
  auto fdr = QueryBool(req, "fdr", true);
  if (!fdr.ok()) return respond(fdr.status());
  options.fdr = *fdr;
  auto spec = ParseGrid(ctx, req, *q);
  if (!spec.ok()) return respond(spec.status());
  const geo::Grid& grid = *spec->grid;
  crime::GridCounts counts = ctx.crime_index->Grid(grid, q->filter);

  Result<crime::StudyArea> study = Internal("no study area");
  if (q->filter.areas) {
    // The polygons of the areas in scope: one point-in-polygon test per cell centre.
    geo::AreaIndex polygons;
    std::optional<geo::BBox> box;
    for (const std::string& code : *q->filter.areas) {
      auto a = ctx.areas.Get(code);
      if (!a) continue;
      auto v = geo::ValidateGeometry(a->geometry);
      if (!v.ok() || !polygons.Put(code, a->geometry).ok()) continue;
      if (!box) {
        box = v->bbox;
      } else {
        box->min_lat = std::min(box->min_lat, v->bbox.min_lat);
        box->min_lon = std::min(box->min_lon, v->bbox.min_lon);
        box->max_lat = std::max(box->max_lat, v->bbox.max_lat);
        box->max_lon = std::max(box->max_lon, v->bbox.max_lon);
      }
    }
    if (!box) return respond(Unprocessable("the areas in scope have no polygon"));
    study = crime::StudyAreaForBox(
        grid, *box, [&](double lat, double lon) { return !polygons.At(lat, lon).empty(); });
  } else {
    study = crime::StudyAreaOfCells(counts);
  }
  if (!study.ok()) return respond(study.status());
  auto hs = crime::GridHotspots(grid, counts, *study, options);
  if (!hs.ok()) return respond(hs.status());
  std::vector<crime::HotspotCell> cells = hs->Cells(all_cells);
  const size_t limit = format == "geojson" ? kMaxGeoJsonCells : kMaxCompactCells;
  if (cells.size() > limit) {
    return respond(Unprocessable(std::to_string(cells.size()) + " cells exceed the limit of " +
                              std::to_string(limit) +
                              ": use cells=significant, format=compact, a larger cell or a "
                              "smaller area"));
  }

  auto z_text = [](double z) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", z);
    return std::string(buf);
  };
  auto p_text = [](double p) {  // a valid JSON number; tiny p-values in exponent form
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", p);
    return std::string(buf);
  };
  std::string body;
  body.reserve(512 + cells.size() * (format == "geojson" ? 330 : 48));
  body += format == "compact" ? "{\"format\":\"compact\"," : "{\"type\":\"FeatureCollection\",";
  AppendGridMeta(body, *spec, counts);
  body += ",\"band_m\":";
  AppendFixed(body, hs->band_m, 1);
  body += std::string(",\"default_band\":") + (hs->default_band ? "true" : "false");
  body += std::string(",\"fdr\":") + (options.fdr ? "true" : "false");
  body += ",\"study_cells\":" + std::to_string(hs->gi.n);
  body += ",\"mean\":";
  AppendFixed(body, hs->gi.mean, 6);
  body += ",\"stddev\":";
  AppendFixed(body, hs->gi.stddev, 6);
  body += ",\"critical_p\":{\"90\":" + p_text(hs->gi.critical_p[0]) +
          ",\"95\":" + p_text(hs->gi.critical_p[1]) + ",\"99\":" + p_text(hs->gi.critical_p[2]) +
          "}";
  body += ",\"hot\":" + std::to_string(hs->Hot()) + ",\"cold\":" + std::to_string(hs->Cold());
  body += format == "compact" ? ",\"cells\":[" : ",\"features\":[";
  static constexpr const char* kConfidence[] = {"0", "90", "95", "99"};
  for (size_t i = 0; i < cells.size(); ++i) {
    const crime::HotspotCell& c = cells[i];
    if (i) body += ',';
    const int level = c.bin < 0 ? -c.bin : c.bin;
    if (format == "compact") {
      body += '[' + std::to_string(c.ix) + ',' + std::to_string(c.iy) + ',' +
              std::to_string(c.count) + ',' + z_text(c.z) + ',' + p_text(c.p) + ',' +
              std::to_string(c.bin) + ']';
      continue;
    }
    body += "{\"type\":\"Feature\",\"geometry\":";
    AppendCellPolygon(body, grid, c.ix, c.iy);
    body += ",\"properties\":{\"ix\":" + std::to_string(c.ix) + ",\"iy\":" + std::to_string(c.iy) +
            ",\"count\":" + std::to_string(c.count) + ",\"z\":" + z_text(c.z) +
            ",\"p\":" + p_text(c.p) + ",\"bin\":" + std::to_string(c.bin) +
            ",\"confidence\":" + kConfidence[level] + ",\"type\":\"" +
            (c.bin > 0 ? "hot" : c.bin < 0 ? "cold" : "none") + "\"}}";
  }
  body += "]}";
  respond(http::Response::Json(200, std::move(body)));
}

}  // namespace

void AddCrimeMapRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.crime_index != nullptr; });
  const Access readers = Roles(kReaders, Somewhere());
  t.Add("GET", "/api/v1/analytics/map", readers, Map);
  t.Add("GET", "/api/v1/analytics/areas", readers, Areas);
  t.Add("GET", "/api/v1/analytics/matrix", readers, Matrix);
  t.Add("GET", "/api/v1/analytics/trends", readers, Trends);
  t.Add("GET", "/api/v1/analytics/hotspots", readers, Hotspots);
}

}  // namespace centinela::api
