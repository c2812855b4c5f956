// `centinela report monthly` and GET /api/v1/analytics/hotspots against the real binary with
// the demo precinct (SUR and its seven comunas), on SQLite and PostgreSQL. The store is seeded
// with complaints imported by `centinela import complaints` (this month near now, the previous
// month and the same month a year before), neighbours' reports through the API, an approved
// membership and incidents with response times; the figures the HTML must show are worked out
// here from those rows, not read back from the program. The PDF is checked when chromium is
// installed (make test installs it for the browser tests).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>

#include "api_client.h"
#include "support/crime_columns.h"

namespace centinela::testing {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::string Time(int64_t ms) {
  char buf[16];
  const int64_t in_day = ms % kDayMs;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60));
  return buf;
}
// Epoch ms of YYYY-MM-DD 12:00Z.
int64_t Noon(int y, unsigned m, unsigned d) {
  const std::chrono::sys_days days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
  return days.time_since_epoch().count() * kDayMs + 12 * 3'600'000;
}

// Spanish formatting as the report writes it: thousands with '.', one decimal with ',',
// and " %" for percentages.
std::string EsDec1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::abs(v));
  std::string s = buf;
  const size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += '.';
    out += whole[i];
  }
  out += "," + s.substr(dot + 1);
  return v < 0 && out != "0,0" ? "-" + out : out;
}
std::string EsPct(double share) { return EsDec1(share * 100) + " %"; }

// The text of the element with this id ("" when absent).
std::string ById(const std::string& html, const std::string& id) {
  const std::string tag = "id=\"" + id + "\"";
  size_t at = html.find(tag);
  if (at == std::string::npos) return "";
  at = html.find('>', at);
  const size_t end = html.find('<', at);
  return html.substr(at + 1, end - at - 1);
}

// Comuna centres (approx_centroid_lat/lon of south-precinct.csv).
constexpr double kSanMiguel[2] = {-33.4966, -70.6516};
constexpr double kLaCisterna[2] = {-33.5297, -70.6637};
constexpr double kSanJoaquin[2] = {-33.4960, -70.6290};
constexpr double kLaPintana[2] = {-33.5833, -70.6333};
constexpr double kSanRamon[2] = {-33.5413, -70.6428};
constexpr double kLaGranja[2] = {-33.5374, -70.6193};
constexpr double kElBosque[2] = {-33.5620, -70.6780};

const std::string kMapping = test::ComplaintMapping("report_test", "+00:00", true, R"([categories]
unmapped = "other"
rules = [{ match = "ROBO*", code = "robo" }]
)");

class MonthlyReportTest : public OwnDemoServerTest {
 protected:
  Reply Get(const std::string& target, const std::string& token) {
    return Api(server_->port()).Call("GET", target, "", token);
  }
  void Report(const std::string& token, double lat, double lon) {
    Reply r = Api(server_->port())
                  .Call("POST", "/api/v1/reports",
                        Obj({{"category", "robo"}, {"lat", lat}, {"lon", lon}, {"description", "robo"}}),
                        token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
};

TEST_P(MonthlyReportTest, FiguresOfTheMonthFromTheSeededRows) {
  // This month's complaints an hour from now (before, when that would cross into the next
  // month), so the reports posted now match them within 48 h.
  const int64_t when = HourFromNowThisMonth();
  const std::string month = Date(when).substr(0, 7);
  const int y = std::stoi(month.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(month.substr(5, 2)));
  const int64_t previous = m == 1 ? Noon(y - 1, 12, 15) : Noon(y, m - 1, 15);
  const int64_t year_before = Noon(y - 1, m, 15);

  // Complaints this month: 12 at San Miguel's centre (the hot spot); a background of 3 x 3
  // points 0.006 degrees apart (~600 m) around each of the seven comuna centres (San
  // Miguel's without its centre), so the default band is short; one known only by its comuna
  // (13130: counted, not on the map). Then 2 in the previous month, 1 in the same month a year
  // before, and one bad row.
  std::string csv = "id,fecha,hora,delito,lat,lon,comuna\n";
  int id = 0;
  auto row = [&](int64_t t, const std::string& lat, const std::string& lon,
                 const std::string& comuna) {
    csv += "c" + std::to_string(++id) + "," + Date(t) + "," + Time(t) + ",ROBO," + lat + "," +
           lon + "," + comuna + "\n";
  };
  auto at = [&](int64_t t, double lat, double lon) {
    char la[32], lo[32];
    std::snprintf(la, sizeof la, "%.6f", lat);
    std::snprintf(lo, sizeof lo, "%.6f", lon);
    row(t, la, lo, "");
  };
  for (int i = 0; i < 12; ++i) at(when, kSanMiguel[0], kSanMiguel[1]);
  int background = 0;
  for (const double* c : {kSanMiguel, kLaCisterna, kSanJoaquin, kLaPintana, kSanRamon, kLaGranja,
                          kElBosque}) {
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        if (c == kSanMiguel && dx == 0 && dy == 0) continue;
        at(when, c[0] + dy * 0.006, c[1] + dx * 0.006);
        ++background;
      }
    }
  }
  row(when, "", "", "13130");
  at(previous, kLaCisterna[0], kLaCisterna[1]);
  at(previous, kLaCisterna[0], kLaCisterna[1]);
  at(year_before, kLaCisterna[0], kLaCisterna[1]);
  csv += "bad,2024-13-01,10:00,ROBO,-33.5,-70.6,\n";
  const int formal_located = 12 + background, formal_now = formal_located + 1;
  const int formal_prev = 2, formal_year = 1;

  const std::string file = dir_ + "/complaints.csv", map = dir_ + "/complaints.toml";
  std::ofstream(file) << csv;
  std::ofstream(map) << kMapping;
  CommandResult imp = RunCentinela({"import", "complaints", file, "--mapping", map, "--errors",
                                    dir_ + "/complaints.err", "--db", db_->url()});
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  ASSERT_NE(imp.output.find("imported " + std::to_string(formal_now + formal_prev + formal_year) +
                            ", duplicate 0, bad 1"),
            std::string::npos)
      << imp.output;

  // Reports: two at the hot spot and one at El Bosque's centre; each matches a complaint.
  Account vecina = Api(server_->port()).Neighbour("vecina-informe-" + GetParam() + "@test.cl");
  ASSERT_FALSE(vecina.second.empty());
  Report(vecina.second, kSanMiguel[0], kSanMiguel[1]);
  Report(vecina.second, kSanMiguel[0], kSanMiguel[1]);
  Report(vecina.second, kElBosque[0], kElBosque[1]);
  const int informal_now = 3;
  ApproveMember(*db_, vecina.first, "13130");

  // Incidents in San Miguel, police priority 1, on scene after 300, 600 and 1,200 s:
  // p50 600 s, p90 at (3 - 1) * 0.9 = 1.8 -> 600 + 0.8 * 600 = 1,080 s, 2 of 3 within 600 s.
  int n = 0;
  for (int seconds : {300, 600, 1200}) {
    const std::string iid = "inc-" + std::to_string(++n);
    db_->Exec(
        "INSERT INTO incidents (id, category, family, sensitivity, priority, status, source, lat, "
        "lon, areas, agencies, created_by, merged_into, received_ms, on_scene_ms, created_ms, "
        "updated_ms) VALUES ('" + iid + "', 'robo', 'crime', 'public', 1, 'on_scene', 'call', "
        "-33.4966, -70.6516, '[]', '[\"police\"]', 'test', NULL, " + std::to_string(when) + ", " +
        std::to_string(when + seconds * 1000LL) + ", " + std::to_string(when) + ", " +
        std::to_string(when) + ")");
    for (const char* area : {"SUR", "13130"})
      db_->Exec("INSERT INTO incident_areas (area_code, created_ms, incident_id) VALUES ('" +
                std::string(area) + "', " + std::to_string(when) + ", '" + iid + "')");
  }

  // --- the hotspots API (the report draws the same cells) ---
  const std::string admin = Api(server_->port()).Login("admin@centinela.demo", "demo-admin-2026");
  const std::string analyst =
      Api(server_->port()).Login("analista@centinela.demo", "demo-analista-2026");
  const std::string responder =
      Api(server_->port()).Login("patrulla@centinela.demo", "demo-patrulla-2026");  // 13130
  ASSERT_FALSE(admin.empty() || analyst.empty() || responder.empty());
  const std::string next_month =
      m == 12 ? std::to_string(y + 1) + "-01-01"
              : month.substr(0, 5) + (m + 1 < 10 ? "0" : "") + std::to_string(m + 1) + "-01";
  const std::string window = "&from=" + month + "-01&to=" + next_month;
  Reply r = Get("/api/v1/analytics/hotspots?area=SUR&cell=250" + window, analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value doc = r.Json();
  EXPECT_TRUE(doc.at("default_band").as_bool());
  EXPECT_EQ(doc.at("matched").as_int64(), formal_now + informal_now) << r.body;
  EXPECT_EQ(doc.at("unlocated").as_int64(), 1);
  EXPECT_GT(doc.at("study_cells").as_int64(), 1000);  // the precinct is ~150 km^2
  // The hot spot's cell, from the grid the answer describes: 12 complaints and 2 reports,
  // hot at 99 %. The cells with the highest z are where the report's table must start.
  const double lat0 = doc.at("origin").at("lat").to_number<double>();
  const double lon0 = doc.at("origin").at("lon").to_number<double>();
  const double dlat = doc.at("cell_dlat").to_number<double>();
  const double dlon = doc.at("cell_dlon").to_number<double>();
  const int64_t hot_iy = static_cast<int64_t>(std::floor((kSanMiguel[0] - lat0) / dlat));
  const int64_t hot_ix = static_cast<int64_t>(std::floor((kSanMiguel[1] - lon0) / dlon));
  const json::object* spot = nullptr;
  double max_z = -1e9;
  int64_t bin3 = 0;
  std::vector<std::string> hottest;
  for (const json::value& f : doc.at("features").as_array()) {
    const json::object& p = f.at("properties").as_object();
    EXPECT_NE(p.at("bin").as_int64(), 0);
    if (p.at("bin").as_int64() == 3) ++bin3;
    if (p.at("ix").as_int64() == hot_ix && p.at("iy").as_int64() == hot_iy) spot = &p;
    const double z = p.at("z").to_number<double>();
    const std::string key = "data-ix=\"" + std::to_string(p.at("ix").as_int64()) +
                            "\" data-iy=\"" + std::to_string(p.at("iy").as_int64()) + "\"";
    if (z > max_z) hottest.clear(), max_z = z;
    if (z == max_z) hottest.push_back(key);
  }
  ASSERT_NE(spot, nullptr) << r.body;
  EXPECT_EQ(spot->at("count").as_int64(), 14);
  EXPECT_EQ(spot->at("bin").as_int64(), 3);
  EXPECT_EQ(spot->at("confidence").as_int64(), 99);
  EXPECT_EQ(spot->at("type").as_string(), "hot");
  EXPECT_EQ(doc.at("hot").as_int64(), bin3 + [&] {
    int64_t k = 0;
    for (const json::value& f : doc.at("features").as_array())
      if (f.at("properties").at("bin").as_int64() == 1 || f.at("properties").at("bin").as_int64() == 2) ++k;
    return k;
  }());
  // Formal only: 12 in that cell.
  r = Get("/api/v1/analytics/hotspots?area=SUR&source=formal&format=compact" + window, analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  const json::value compact = r.Json();
  for (const json::value& c : compact.at("cells").as_array()) {
    const json::array& a = c.as_array();
    if (a[0].as_int64() == hot_ix && a[1].as_int64() == hot_iy) {
      found = true;
      EXPECT_EQ(a[2].as_int64(), 12);
      EXPECT_EQ(a[5].as_int64(), 3);
    }
  }
  EXPECT_TRUE(found) << r.body;
  // cells=all lists every cell of the study area.
  r = Get("/api/v1/analytics/hotspots?area=13130&cells=all&band_m=500" + window, analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(static_cast<int64_t>(r.Json().at("features").as_array().size()),
            r.Json().at("study_cells").as_int64());
  // Scope, roles and parameters.
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR" + window, responder).status, 403);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=13130&band_m=500" + window, responder).status, 200);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR" + window, vecina.second).status, 403);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR" + window, "").status, 401);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=NOPE" + window, analyst).status, 404);
  Reply bad = Get("/api/v1/analytics/hotspots?area=SUR&cell=abc" + window, analyst);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.ErrorCode(), "bad_request") << bad.body;
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR&cells=some" + window, analyst).status, 400);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR&band_m=10" + window, analyst).status, 400);
  EXPECT_EQ(Get("/api/v1/analytics/hotspots?area=SUR&fdr=maybe" + window, analyst).status, 400);

  // --- the report ---
  const std::string out = dir_ + "/informes";
  CommandResult rep = RunCentinela(
      {"report", "monthly", "--area", "SUR", "--month", month, "--out", out, "--db", db_->url()});
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  EXPECT_NE(rep.output.find("report: loading complaints"), std::string::npos) << rep.output;
  const std::string html = ReadFile(out + "/informe-SUR-" + month + ".html");
  ASSERT_FALSE(html.empty()) << rep.output;
  // Self-contained: no scripts, no external resources.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:)?//")));
  EXPECT_NE(html.find("Informe mensual"), std::string::npos);
  EXPECT_EQ(ById(html, "month"), std::string(  // Spanish month name
                                     std::array<const char*, 12>{
                                         "enero", "febrero", "marzo", "abril", "mayo", "junio",
                                         "julio", "agosto", "septiembre", "octubre", "noviembre",
                                         "diciembre"}[m - 1]) +
                                     " de " + std::to_string(y));

  // Counts: this month, the previous one, a year before; changes (c - b) / b.
  auto change = [](int c, int b) {
    const double v = std::round((c - b) * 1000.0 / b) / 1000;
    return std::string(v > 0 ? "+" : "") + EsPct(v);
  };
  EXPECT_EQ(ById(html, "count-formal-current"), std::to_string(formal_now));
  EXPECT_EQ(ById(html, "count-formal-previous"), std::to_string(formal_prev));
  EXPECT_EQ(ById(html, "count-formal-year"), std::to_string(formal_year));
  EXPECT_EQ(ById(html, "count-formal-previous-change"), change(formal_now, formal_prev));
  EXPECT_EQ(ById(html, "count-formal-year-change"), change(formal_now, formal_year));
  EXPECT_EQ(ById(html, "count-informal-current"), std::to_string(informal_now));
  EXPECT_EQ(ById(html, "count-informal-previous"), "0");
  EXPECT_EQ(ById(html, "count-informal-previous-change"), "—");
  EXPECT_EQ(ById(html, "count-total-current"), std::to_string(formal_now + informal_now));

  // Adoption: one approved address in San Miguel, reports of the month per comuna; the
  // precinct row is the sum (its target 83.191 is the sum of the comunas' targets).
  EXPECT_EQ(ById(html, "adoption-13130-registered"), "1");
  EXPECT_EQ(ById(html, "adoption-SUR-registered"), "1");
  EXPECT_EQ(ById(html, "adoption-13130-reports"), "2");
  EXPECT_EQ(ById(html, "adoption-SUR-reports"), std::to_string(informal_now));
  EXPECT_EQ(ById(html, "adoption-SUR-target"), "83.191");
  EXPECT_EQ(ById(html, "adoption-SUR-population"), "831.876");
  // 13130: population 107,954 -> target 10,796, missing 10,795, compliance 1/10,796 = 0.0 %.
  EXPECT_EQ(ById(html, "adoption-13130-target"), "10.796");
  EXPECT_EQ(ById(html, "adoption-13130-missing"), "10.795");

  // Time matrix: every dated incident of the month; the 12 complaints at `when` and the
  // reports share their hour only if posted in the same hour, so check the complaints' cell
  // at least holds them.
  EXPECT_EQ(ById(html, "matrix-total"), std::to_string(formal_now + informal_now));
  const int64_t day = when / kDayMs;
  const int weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  const int hour = static_cast<int>(when % kDayMs / 3'600'000);
  EXPECT_GE(std::stoi(ById(html, "matrix-" + std::to_string(weekday) + "-" + std::to_string(hour))),
            formal_now);

  // Maps and the top hot cell: the same cell as the API's hottest, 14 incidents.
  EXPECT_EQ(ById(html, "located"), std::to_string(formal_located + informal_now));
  bool top_is_hottest = false;
  for (const std::string& key : hottest)
    top_is_hottest = top_is_hottest || html.find("<tr id=\"top-1\" " + key + ">") != std::string::npos;
  EXPECT_TRUE(top_is_hottest) << html.substr(html.find("id=\"top\""), 600);
  EXPECT_EQ(ById(html, "gi-bin-3"), std::to_string(bin3));

  // Dark figure, family crime: n1 = 3 reports, n2 = the located complaints, m = 3 (each report
  // has a complaint at its very place and within two hours). Chapman N = 4 (n2 + 1) / 4 - 1.
  const double n_hat = 4.0 * (formal_located + 1) / 4 - 1;
  EXPECT_EQ(ById(html, "dark-crime-informal"), "3");
  EXPECT_EQ(ById(html, "dark-crime-formal"), std::to_string(formal_located));
  EXPECT_EQ(ById(html, "dark-crime-matched"), "3");
  EXPECT_EQ(ById(html, "dark-crime-unmatched"), EsPct(0));
  EXPECT_EQ(ById(html, "dark-crime-estimated"), EsDec1(n_hat));
  EXPECT_EQ(ById(html, "dark-crime-dark"), EsPct(1 - formal_located / n_hat));
  EXPECT_NE(html.find("ENUSC"), std::string::npos);
  EXPECT_NE(html.find("30 %"), std::string::npos);

  // Response times.
  EXPECT_EQ(ById(html, "response-police-1-count"), "3");
  EXPECT_EQ(ById(html, "response-police-1-p50"), "10:00");
  EXPECT_EQ(ById(html, "response-police-1-p90"), "18:00");
  EXPECT_EQ(ById(html, "response-police-1-within"), EsPct(2.0 / 3));

  // English.
  rep = RunCentinela({"report", "monthly", "--area", "13130", "--month", month, "--out", out,
                      "--lang", "en", "--db", db_->url()});
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  const std::string en = ReadFile(out + "/report-13130-" + month + ".html");
  EXPECT_NE(en.find("Monthly safety report"), std::string::npos);
  EXPECT_EQ(ById(en, "count-informal-current"), "2");
  EXPECT_EQ(ById(en, "response-police-1-within"), "66.7%");

  // Bad input: clear errors, exit 2, nothing written.
  rep = RunCentinela({"report", "monthly", "--area", "NOPE", "--month", month, "--out", out,
                      "--db", db_->url()});
  EXPECT_EQ(rep.exit_code, 2);
  EXPECT_NE(rep.output.find("no area 'NOPE'"), std::string::npos) << rep.output;
  for (const char* bad_month : {"2024-13", "2024-1", "abril", "1969-12"}) {
    rep = RunCentinela({"report", "monthly", "--area", "SUR", "--month", bad_month, "--out", out,
                        "--db", db_->url()});
    EXPECT_EQ(rep.exit_code, 2) << bad_month;
    EXPECT_NE(rep.output.find("--month must be YYYY-MM"), std::string::npos) << rep.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/informe-NOPE-" + month + ".html"));

  // The PDF, when chromium is there.
  if (GetParam() != "sqlite") return;  // once is enough: the PDF does not depend on the store
  const char* env = std::getenv("CENTINELA_CHROMIUM");
  const std::string chromium = env && *env ? env : "/usr/bin/chromium";
  if (!std::filesystem::exists(chromium)) {
    std::cout << "[   NOTE   ] no chromium at " << chromium << ": PDF not checked\n";
    return;
  }
  rep = RunCentinela({"report", "monthly", "--area", "SUR", "--month", month, "--out", out, "--pdf",
                      "--db", db_->url()},
                     {"CENTINELA_CHROMIUM=" + chromium});
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  EXPECT_NE(rep.output.find("report: printing the PDF"), std::string::npos) << rep.output;
  const std::string pdf = ReadFile(out + "/informe-SUR-" + month + ".pdf");
  ASSERT_GT(pdf.size(), 1000u) << rep.output;
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  std::regex page("/Type\\s*/Page[^s]");
  const auto pages = std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page),
                                   std::sregex_iterator());
  EXPECT_GT(pages, 1) << "page objects in the PDF";
  // To look at them: CENTINELA_REPORT_ARTIFACTS=DIR keeps a copy of the HTML and the PDF.
  if (const char* keep = std::getenv("CENTINELA_REPORT_ARTIFACTS"); keep && *keep) {
    std::filesystem::create_directories(keep);
    for (const char* ext : {".html", ".pdf"})
      std::filesystem::copy_file(out + "/informe-SUR-" + month + ext,
                                 std::string(keep) + "/informe-SUR" + ext,
                                 std::filesystem::copy_options::overwrite_existing);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MonthlyReportTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
