// The crime map over loopback against the real binary with the demo precinct, on SQLite and
// PostgreSQL: complaints imported by `centinela import complaints` while the server runs and
// a neighbour's report both show up on the grid (compact and GeoJSON), per area, in the
// weekday x hour matrix and in the trends; role and area scope are enforced; bad parameters
// are 400/404 with the error envelope.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "api_client.h"
#include "support/crime_columns.h"
#include "support/test_data.h"

namespace centinela::testing {
namespace {

// Comuna centres (approx_centroid_lat/lon of south-precinct.csv).
constexpr double kSanMiguel[2] = {-33.4966, -70.6516};
constexpr double kElBosque[2] = {-33.5620, -70.6780};

const std::string kMapping = test::ComplaintMapping("it_src", "-04:00", true, R"([categories]
unmapped = "other"
rules = [{ match = "ROBO*", code = "robo" }, { match = "VIF", code = "violencia_intrafamiliar" }]
)");

// Located complaints in San Miguel and El Bosque, one area-only complaint in El Bosque and
// one bad row (line 7). Local times at -04:00: 2024-03-04 is a Monday.
const char* kFile =
    "id,fecha,hora,delito,lat,lon,comuna\n"
    "c1,2024-03-04,10:15,ROBO,-33.4966,-70.6516,\n"
    "c2,2024-03-04,10:45,ROBO,-33.4967,-70.6517,\n"
    "c3,2024-03-05,22:00,VIF,-33.5620,-70.6780,\n"
    "c4,2024-02-25,09:00,ROBO,-33.5621,-70.6781,\n"
    "c5,2024-03-06,12:00,ESTAFA,,,13105\n"
    "c6,2024-03-06,99:00,ROBO,-33.49,-70.65,\n";

class CrimeMapTest : public OwnDemoServerTest {
 protected:
  Reply Get(const std::string& target, const std::string& token) {
    return Api(server_->port()).Call("GET", target, "", token);
  }
  CommandResult Import(const std::string& name, const std::string& csv,
                       const std::string& mapping) {
    std::string file = dir_ + "/" + name, map = dir_ + "/" + name + ".toml";
    std::ofstream(file) << csv;
    std::ofstream(map) << mapping;
    return RunCentinela({"import", "complaints", file, "--mapping", map, "--errors",
                         dir_ + "/" + name + ".err", "--db", db_->url()});
  }
};

int64_t CellSum(const json::value& compact) {
  int64_t n = 0;
  for (const json::value& c : compact.at("cells").as_array())
    n += c.as_array()[2].to_number<int64_t>();
  return n;
}

TEST_P(CrimeMapTest, FormalAndInformalOnOneMap) {
  const std::string admin = Login("admin@centinela.demo", "demo-admin-2026");
  const std::string analyst = Login("analista@centinela.demo", "demo-analista-2026");
  const std::string responder =
      Login("patrulla@centinela.demo", "demo-patrulla-2026");  // 13130 only
  ASSERT_FALSE(admin.empty() || analyst.empty() || responder.empty());

  // Import while the server runs; the server picks the rows up from the event log.
  CommandResult imp = Import("complaints.csv", kFile, kMapping);
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("read 6, imported 5, duplicate 0, bad 1"), std::string::npos)
      << imp.output;
  std::ifstream err(dir_ + "/complaints.csv.err");
  std::string errors((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(errors.find("\n7,bad time"), std::string::npos) << errors;

  // A neighbour's report in San Miguel.
  Account vecina = Api(server_->port()).Neighbour("vecina-map-" + GetParam() + "@test.cl");
  ASSERT_FALSE(vecina.second.empty());
  Reply posted = Api(server_->port())
                     .Call("POST", "/api/v1/reports",
                           Obj({{"category", "robo"},
                                {"lat", kSanMiguel[0] + 0.0005},
                                {"lon", kSanMiguel[1]},
                                {"description", "robo"}}),
                           vecina.second);
  ASSERT_EQ(posted.status, 201) << posted.body;

  // Everything (admin over all areas), compact: 5 complaints + 1 report, 4 + 1 located.
  Reply r = Get("/api/v1/analytics/map?cell=250&format=compact", admin);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value doc = r.Json();
  EXPECT_EQ(doc.at("matched").to_number<int64_t>(), 6);
  EXPECT_EQ(doc.at("unlocated").to_number<int64_t>(), 1);
  EXPECT_EQ(CellSum(doc), 5);
  // Each located point is in the cell its coordinates give under the returned grid.
  const double lat0 = doc.at("origin").at("lat").to_number<double>(),
               lon0 = doc.at("origin").at("lon").to_number<double>();
  const double dlat = doc.at("cell_dlat").to_number<double>(),
               dlon = doc.at("cell_dlon").to_number<double>();
  std::map<std::pair<int64_t, int64_t>, int64_t> expected, got;
  for (auto [la, lo] : {std::pair{-33.4966, -70.6516},
                        {-33.4967, -70.6517},
                        {-33.5620, -70.6780},
                        {-33.5621, -70.6781},
                        {kSanMiguel[0] + 0.0005, kSanMiguel[1]}})
    ++expected[{static_cast<int64_t>(std::floor((lo - lon0) / dlon)),
                static_cast<int64_t>(std::floor((la - lat0) / dlat))}];
  for (const json::value& c : doc.at("cells").as_array())
    got[{c.as_array()[0].to_number<int64_t>(), c.as_array()[1].to_number<int64_t>()}] =
        c.as_array()[2].to_number<int64_t>();
  EXPECT_EQ(got, expected) << r.body;

  // Source and time filters.
  r = Get("/api/v1/analytics/map?cell=250&format=compact&source=informal", admin);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().at("matched").to_number<int64_t>(), 1);
  r = Get(
      "/api/v1/analytics/"
      "map?cell=250&format=compact&source=formal&from=2024-03-01&to=2024-03-06&utc_offset=-04:00",
      admin);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().at("matched").to_number<int64_t>(), 3) << r.body;  // c1, c2, c3
  r = Get("/api/v1/analytics/map?cell=250&format=compact&categories=violencia_intrafamiliar",
          admin);
  EXPECT_EQ(r.Json().at("matched").to_number<int64_t>(), 1);

  // GeoJSON: one polygon per cell, closed, coordinates in plain decimal.
  r = Get("/api/v1/analytics/map?cell=500&source=formal", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  doc = r.Json();
  EXPECT_EQ(doc.at("type").as_string(), "FeatureCollection");
  int64_t features_total = 0;
  for (const json::value& f : doc.at("features").as_array()) {
    const json::array& ring = f.at("geometry").at("coordinates").as_array()[0].as_array();
    EXPECT_EQ(ring.size(), 5u);
    EXPECT_EQ(ring[0], ring[4]);
    features_total += f.at("properties").at("count").to_number<int64_t>();
  }
  EXPECT_EQ(features_total, 4);
  EXPECT_EQ(r.body.find("E-"), std::string::npos);
  EXPECT_EQ(r.body.find("e-"), std::string::npos);

  // Scope: the responder covers San Miguel (13130) only.
  r = Get("/api/v1/analytics/map?cell=250&format=compact", responder);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("matched").to_number<int64_t>(), 3) << r.body;  // c1, c2 and the report
  EXPECT_EQ(Get("/api/v1/analytics/map?area=13105", responder).ErrorCode(), "forbidden");
  EXPECT_EQ(Get("/api/v1/analytics/map", vecina.second).status, 403);
  EXPECT_EQ(Get("/api/v1/analytics/map", "").status, 401);
  EXPECT_EQ(Get("/api/v1/analytics/matrix", vecina.second).status, 403);

  // Bad parameters.
  EXPECT_EQ(Get("/api/v1/analytics/map?cell=10", admin).ErrorCode(), "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?cell=abc", admin).ErrorCode(), "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?source=rumours", admin).ErrorCode(), "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?from=2024-02-30", admin).ErrorCode(), "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?from=2024-03-02&to=2024-03-01", admin).ErrorCode(),
            "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?format=svg", admin).ErrorCode(), "bad_request");
  EXPECT_EQ(Get("/api/v1/analytics/map?area=NOPE", admin).ErrorCode(), "not_found");
  EXPECT_EQ(Get("/api/v1/analytics/trends?days=0", admin).ErrorCode(), "bad_request");

  // Per area: El Bosque holds c3, c4 (by polygon) and c5 (by code); SUR sums its comunas.
  r = Get("/api/v1/analytics/areas?area=SUR&source=formal", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, int64_t> per_area;
  doc = r.Json();
  for (const json::value& a : doc.at("areas").as_array())
    per_area[std::string(a.at("code").as_string())] = a.at("incidents").to_number<int64_t>();
  EXPECT_EQ(per_area["13105"], 3) << r.body;
  EXPECT_EQ(per_area["13130"], 2) << r.body;
  EXPECT_EQ(per_area["SUR"], 5) << r.body;

  // Matrix at -04:00: c1 and c2 on Monday 10:00-11:00, c3 on Tuesday at 22.
  r = Get("/api/v1/analytics/matrix?source=formal&from=2024-03-01&to=2024-03-08&utc_offset=-04:00",
          admin);
  ASSERT_EQ(r.status, 200) << r.body;
  doc = r.Json();
  EXPECT_EQ(doc.at("matrix").as_array()[0].as_array()[10].to_number<int64_t>(), 2) << r.body;
  EXPECT_EQ(doc.at("matrix").as_array()[1].as_array()[22].to_number<int64_t>(), 1);
  EXPECT_EQ(doc.at("total").to_number<int64_t>(), 4) << r.body;  // + c5 (Wednesday 12:00)

  // Trends: the 7 days to 2024-03-07 vs the 7 before (c4 on 02-25 is in the previous week).
  r =
      Get("/api/v1/analytics/"
          "trends?source=formal&to=2024-03-07&days=7&rolling_days=30&utc_offset=-04:00",
          admin);
  ASSERT_EQ(r.status, 200) << r.body;
  doc = r.Json();
  EXPECT_EQ(doc.at("current").at("from").as_string(), "2024-02-29");
  EXPECT_EQ(doc.at("current").at("count").to_number<int64_t>(), 4) << r.body;
  EXPECT_EQ(doc.at("previous").at("count").to_number<int64_t>(), 1);
  EXPECT_EQ(doc.at("previous").at("change_pct").to_number<double>(), 300.0);
  EXPECT_TRUE(doc.at("year_before").at("change_pct").is_null());
  const json::array& rolling = doc.at("rolling").as_array();
  ASSERT_EQ(rolling.size(), 30u);
  EXPECT_EQ(rolling.back().at("date").as_string(), "2024-03-06");
  EXPECT_EQ(rolling.back().at("rolling_28d").to_number<int64_t>(), 5);

  // Re-importing the same file adds nothing to the map.
  imp = Import("complaints.csv", kFile, kMapping);
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("imported 0, duplicate 5"), std::string::npos) << imp.output;
  r = Get("/api/v1/analytics/map?cell=250&format=compact&source=formal", admin);
  EXPECT_EQ(r.Json().at("matched").to_number<int64_t>(), 5);
}

TEST_P(CrimeMapTest, AreaLevelMonthlyCountsFromCead) {
  const std::string analyst = Login("analista@centinela.demo", "demo-analista-2026");
  ASSERT_FALSE(analyst.empty());
  std::ifstream in(
      centinela::test::TestDataPath("crime/chile_cead_south_precinct_monthly_head2000.csv"));
  std::ifstream m(std::string(CENTINELA_SOURCE_DIR) + "/mappings/chile_cead_monthly.toml");
  std::string mapping((std::istreambuf_iterator<char>(m)), {});
  // Header and the first 61 rows: El Bosque, 2010-01 (30 groups) and 2010-02 (30) and one more.
  std::string csv, line;
  int64_t jan_total = 0;
  for (int i = 0; i < 62 && std::getline(in, line); ++i) {
    csv += line + "\n";
    if (i > 0 && line.find(",13105,") != std::string::npos &&
        line.find("\"2010-01\"") != std::string::npos)
      jan_total += std::stoll(line.substr(line.rfind(',') + 1));
  }
  CommandResult imp = Import("cead.csv", csv, mapping);
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  Reply r = Get("/api/v1/analytics/areas?area=13105&from=2010-01-01&to=2010-02-01", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.Json();
  const json::array& areas = doc.at("areas").as_array();
  ASSERT_EQ(areas.size(), 1u) << r.body;
  EXPECT_EQ(areas[0].at("monthly_formal").to_number<int64_t>(), jan_total);
  EXPECT_GT(jan_total, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrimeMapTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
