#include "app/monthly_report.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "analytics/adoption_source.h"
#include "analytics/response_source.h"
#include "common/clock.h"
#include "crime/incident_feed.h"
#include "crime/mapping.h"
#include "geo/area_index.h"
#include "geo/geometry.h"

extern char** environ;

namespace centinela::app {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int kTrendDays = 365;  // the trend chart: the year ending with the month
constexpr size_t kTopCells = 10;
constexpr double kFineCellM = 50;  // events for the kernel density are binned on 50 m cells

// [first day of the month, first day of the next) in days since 1970-01-01; nullopt for text
// that is not YYYY-MM with a month 01-12 and a year 1970-9999.
std::optional<std::pair<int64_t, int64_t>> MonthDays(const std::string& m) {
  if (m.size() != 7 || m[4] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (m[i] < '0' || m[i] > '9') return std::nullopt;
  const int64_t y = std::stoll(m.substr(0, 4)), mo = std::stoll(m.substr(5, 2));
  if (y < 1970 || mo < 1 || mo > 12) return std::nullopt;
  const int64_t first = DaysFromCivil(y, mo, 1);
  const int64_t next = mo == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, mo + 1, 1);
  return std::pair{first, next};
}

// The same month `back` months earlier, as YYYY-MM.
std::string MonthBefore(const std::string& m, int back) {
  int64_t y = std::stoll(m.substr(0, 4)), mo = std::stoll(m.substr(5, 2)) - back;
  while (mo < 1) mo += 12, --y;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(mo));
  return buf;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

Result<MonthlyReportData> CollectMonthlyReport(store::Store& store, const areas::AreaService& areas,
                                               community::MembershipService& memberships,
                                               const MonthlyReportFlags& flags,
                                               const ReportProgress& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  MonthlyReportData d;
  if (flags.lang != "es" && flags.lang != "en") return InvalidArgument("--lang must be es or en");
  d.lang = flags.lang;
  auto month = MonthDays(flags.month);
  if (!month)
    return InvalidArgument("--month must be YYYY-MM (a month 01-12 of 1970 or later), got '" +
                           flags.month + "'");
  auto offset = crime::ParseUtcOffset(flags.utc_offset);
  if (!offset.ok()) return InvalidArgument("--utc-offset: " + offset.status().message());
  if (!(flags.cell_m >= geo::kMinCellMeters && flags.cell_m <= geo::kMaxCellMeters))
    return InvalidArgument("--cell must be 50-2000 metres");
  if (!(flags.bandwidth_m >= flags.cell_m && flags.bandwidth_m <= 20'000))
    return InvalidArgument("--bandwidth must be between one cell and 20000 metres");
  if (!(flags.target_s > 0)) return InvalidArgument("--target-s must be positive");
  std::optional<areas::Area> area = areas.Get(flags.area);
  if (!area) return NotFound("no area '" + flags.area + "' (see GET /api/v1/areas)");
  d.area = *area;
  for (const std::string& c : areas.Children(area->code))
    if (auto child = areas.Get(c)) d.children.push_back(*child);
  std::sort(d.children.begin(), d.children.end(),
            [](const areas::Area& a, const areas::Area& b) { return a.name < b.name; });
  d.month = flags.month;
  d.from_ms = month->first * kDayMs;
  d.to_ms = month->second * kDayMs;
  d.utc_offset_min = *offset;
  d.target_s = flags.target_s;
  d.generated_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();

  say("report: adoption table");
  analytics::AdoptionQuery aq;
  aq.area = area->code;
  aq.from_ms = d.from_ms;
  aq.to_ms = d.to_ms;
  auto adoption = analytics::LoadAdoptionTable(store, areas, memberships, aq);
  if (!adoption.ok()) return adoption.status();
  d.adoption = std::move(*adoption);

  say("report: loading complaints and reports into the incident index");
  crime::IncidentIndex index;
  crime::IncidentFeed feed(store, areas, index);
  if (Status s = feed.LoadAll(); !s.ok()) return s;
  say("report: " + std::to_string(index.size()) + " incidents indexed");

  crime::IncidentFilter base;
  base.areas = std::vector<std::string>{area->code};
  auto count = [&](PeriodCounts& p, int64_t from, int64_t to) {
    p.from_ms = from;
    p.to_ms = to;
    crime::IncidentFilter f = base;
    f.from_ms = from;
    f.to_ms = to;
    f.source = crime::SourceFilter::kFormal;
    p.formal = index.Count(f);
    f.source = crime::SourceFilter::kInformal;
    p.informal = index.Count(f);
  };
  count(d.current, d.from_ms, d.to_ms);
  auto prev = MonthDays(MonthBefore(d.month, 1));
  count(d.previous, prev->first * kDayMs, prev->second * kDayMs);
  auto last_year = MonthDays(MonthBefore(d.month, 12));
  count(d.year_before, last_year->first * kDayMs, last_year->second * kDayMs);

  // 28-day rolling sums for each local day of the year that ends with the month.
  const int64_t end_day = FloorDiv(d.to_ms + int64_t{d.utc_offset_min} * 60'000 - 1, kDayMs) + 1;
  d.first_day = end_day - kTrendDays;
  for (auto [source, out] : {std::pair{crime::SourceFilter::kFormal, &d.rolling_formal},
                             std::pair{crime::SourceFilter::kInformal, &d.rolling_informal}}) {
    crime::IncidentFilter f = base;
    f.source = source;
    std::vector<uint64_t> daily = index.Daily(f, d.first_day - 27, kTrendDays + 27, d.utc_offset_min);
    uint64_t sum = 0;
    for (size_t i = 0; i < daily.size(); ++i) {
      sum += daily[i];
      if (i >= 28) sum -= daily[i - 28];
      if (i >= 27) out->push_back(sum);
    }
  }

  crime::IncidentFilter month_filter = base;
  month_filter.from_ms = d.from_ms;
  month_filter.to_ms = d.to_ms;
  d.matrix = index.Matrix(month_filter, d.utc_offset_min);

  // Maps: the grid around the area's centre (as GET /api/v1/analytics/map picks it).
  say("report: kernel density and Gi* on the " + std::to_string(static_cast<int>(flags.cell_m)) +
      " m grid");
  auto geometry = geo::ValidateGeometry(area->geometry);
  if (!geometry.ok()) return Internal("the area's polygon is not valid: " + geometry.status().message());
  const geo::BBox box = geometry->bbox;
  const double lat0 = std::round((box.min_lat + box.max_lat) / 2 * 100) / 100;
  const double lon0 = std::round((box.min_lon + box.max_lon) / 2 * 100) / 100;
  auto grid = geo::Grid::Make(lat0, lon0, flags.cell_m);
  if (!grid.ok()) return grid.status();
  d.grid = *grid;
  geo::AreaIndex polygon;
  if (Status s = polygon.Put(area->code, area->geometry); !s.ok()) return s;
  auto study = crime::StudyAreaForBox(
      *grid, box, [&](double lat, double lon) { return !polygon.At(lat, lon).empty(); });
  if (!study.ok()) return study.status();
  d.study = *study;
  const crime::GridCounts counts = index.Grid(*grid, month_filter);
  d.located = counts.matched - counts.unlocated;
  auto fine = geo::Grid::Make(lat0, lon0, kFineCellM);
  if (!fine.ok()) return fine.status();
  auto density = crime::GridDensity(*grid, d.study, *fine, index.Grid(*fine, month_filter),
                                    flags.bandwidth_m);
  if (!density.ok()) return density.status();
  d.density = std::move(*density);
  d.bandwidth_m = flags.bandwidth_m;
  auto hs = crime::GridHotspots(*grid, counts, d.study, crime::HotspotOptions{});
  if (hs.ok()) {
    d.hotspots = std::move(*hs);
    for (const crime::HotspotCell& c : d.hotspots->Cells(false)) {
      if (c.bin <= 0) continue;
      TopCell t;
      t.cell = c;
      const geo::LatLon centre = grid->Centre({c.ix, c.iy});
      t.lat = centre.lat;
      t.lon = centre.lon;
      d.top.push_back(std::move(t));
    }
    std::sort(d.top.begin(), d.top.end(), [](const TopCell& a, const TopCell& b) {
      return a.cell.z != b.cell.z ? a.cell.z > b.cell.z
                                  : std::pair{a.cell.iy, a.cell.ix} < std::pair{b.cell.iy, b.cell.ix};
    });
    if (d.top.size() > kTopCells) d.top.resize(kTopCells);
    for (TopCell& t : d.top) {
      std::vector<areas::Area> at = areas.At(t.lat, t.lon);
      t.area_name = at.empty() ? "" : at.back().name;
    }
  } else if (hs.status().code() == Code::kUnprocessable) {
    d.hotspots_note = hs.status().message();  // too little data this month: said in the report
  } else {
    return hs.status();
  }

  say("report: dark figure");
  d.dark_query.area = area->code;
  d.dark_query.from_ms = d.from_ms;
  d.dark_query.to_ms = d.to_ms;
  auto dark = analytics::LoadDarkFigure(store, areas, d.dark_query);
  if (!dark.ok()) return dark.status();
  d.dark = std::move(*dark);
  if (!d.dark.empty()) {
    int64_t informal = 0, formal = 0, matched = 0;
    for (const analytics::DarkFigureRow& r : d.dark) {
      informal += r.point.informal;
      formal += r.point.formal;
      matched += r.point.matched;
    }
    auto total = analytics::DarkFigure(informal, formal, matched, d.dark_query.reference,
                                       d.dark_query.target);
    if (!total.ok()) return total.status();
    d.dark_total = *total;
  }

  say("report: response times");
  analytics::ResponseQuery rq;
  rq.area = area->code;
  rq.from_ms = d.from_ms;
  rq.to_ms = d.to_ms;
  rq.target_seconds = flags.target_s;
  auto response = analytics::LoadResponseTimes(store, rq);
  if (!response.ok()) return response.status();
  d.response = std::move(*response);
  return d;
}

std::string FindChromium() {
  if (const char* env = std::getenv("CENTINELA_CHROMIUM"); env && *env) return env;
  std::vector<std::string> candidates = {"/usr/bin/chromium"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
      size_t colon = p.find(':', start);
      if (colon == std::string::npos) colon = p.size();
      const std::string dir = p.substr(start, colon - start);
      if (!dir.empty())
        for (const char* name : {"chromium", "chromium-browser"})
          candidates.push_back(dir + "/" + name);
      start = colon + 1;
    }
  }
  for (const std::string& c : candidates)
    if (::access(c.c_str(), X_OK) == 0) return c;
  return "";
}

namespace {

// Runs chromium headless to print `html` to `pdf`; its own output goes to `log`.
Status PrintPdf(const std::string& chromium, const std::string& html, const std::string& pdf,
                const std::string& log) {
  std::error_code ec;
  const std::filesystem::path profile =
      std::filesystem::temp_directory_path(ec) / ("centinela-pdf-" + std::to_string(::getpid()));
  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--user-data-dir=" + profile.string(),
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf-no-header",
                                   "--print-to-pdf=" + pdf,
                                   "file://" + html};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Unavailable("cannot start " + chromium);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Unavailable("lost track of " + chromium);
  }
  std::filesystem::remove_all(profile, ec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Unavailable(chromium + " failed printing the PDF (its output: " + log + ")");
  if (!std::filesystem::exists(pdf, ec) || std::filesystem::file_size(pdf, ec) == 0)
    return Unavailable(chromium + " wrote no PDF (its output: " + log + ")");
  return Status::Ok();
}

}  // namespace

Result<MonthlyReportFiles> WriteMonthlyReport(store::Store& store, const areas::AreaService& areas,
                                              community::MembershipService& memberships,
                                              const MonthlyReportFlags& flags,
                                              const ReportProgress& progress) {
  std::string chromium;
  if (flags.pdf) {
    chromium = FindChromium();
    if (chromium.empty())
      return Unavailable(
          "--pdf needs chromium: install it with scripts/install-deps.sh --with-e2e (Debian's "
          "chromium package) or set CENTINELA_CHROMIUM to its path");
  }
  auto data = CollectMonthlyReport(store, areas, memberships, flags, progress);
  if (!data.ok()) return data.status();
  std::error_code ec;
  std::filesystem::create_directories(flags.out_dir, ec);
  if (ec) return Unavailable("cannot create " + flags.out_dir + ": " + ec.message());
  const std::filesystem::path dir = std::filesystem::absolute(flags.out_dir, ec);
  const std::string stem =
      std::string(flags.lang == "en" ? "report-" : "informe-") + data->area.code + "-" + data->month;
  MonthlyReportFiles files;
  files.html = (dir / (stem + ".html")).string();
  {
    std::ofstream out(files.html, std::ios::trunc | std::ios::binary);
    out << RenderMonthlyReportHtml(*data);
    out.close();
    if (!out) return Unavailable("cannot write " + files.html);
  }
  if (progress) progress("report: wrote " + files.html);
  if (flags.pdf) {
    files.pdf = (dir / (stem + ".pdf")).string();
    if (progress) progress("report: printing the PDF with " + chromium + " (headless)");
    Status s = PrintPdf(chromium, files.html, files.pdf, (dir / (stem + ".chromium.log")).string());
    if (!s.ok()) return s;
    if (progress)
      progress("report: wrote " + files.pdf + " (" +
               std::to_string(std::filesystem::file_size(files.pdf, ec)) + " bytes)");
  }
  return files;
}

}  // namespace centinela::app
