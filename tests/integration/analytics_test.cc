// The adoption table over loopback against the real binary with the demo precinct (SUR and
// its seven comunas with their real populations), on SQLite and PostgreSQL: registered
// addresses are approved memberships, reports are counted in the window, the precinct row
// is the sum of the comunas (target 83,191 as published, not 10 % of the summed population),
// the route checks role and area scope, bad parameters are 400/404, and
// `centinela report adoption` prints the same figures.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "api_client.h"
#include "support/test_data.h"

namespace centinela::testing {
namespace {

// comuna name -> target_population, from the published table.
std::map<std::string, int64_t> PublishedTargets() {
  std::ifstream f(centinela::test::TestDataPath("south-precinct.csv"));
  std::map<std::string, int64_t> out;
  std::string line;
  std::getline(f, line);  // header: comuna,population,registered,reports,target,...
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (cells.size() > 4) out[cells[0]] = std::stoll(cells[4]);
  }
  return out;
}

class AnalyticsTest : public OwnDemoServerTest {
 protected:
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "") {
    return Api(server_->port()).Call(method, target, body, token);
  }
  Account Neighbour(const std::string& email) {
    Account a = Api(server_->port()).Neighbour(email);
    EXPECT_FALSE(a.second.empty()) << email;
    return a;
  }
  // A neighbour whose membership at (lat, lon) an operator approved.
  void Member(const std::string& email, double lat, double lon, const std::string& op) {
    auto n = Neighbour(email);
    ASSERT_FALSE(n.second.empty());
    const std::string proof = "proof-" + n.first;
    db_->Exec("INSERT INTO media (id, owner_id, content_type, bytes, sha256, created_ms) VALUES ('" +
              proof + "', '" + n.first + "', 'image/jpeg', 10, 'x', 0)");
    Reply r = Call("POST", "/api/v1/memberships",
                   Obj({{"address", "Calle 1"},
                        {"lat", lat},
                        {"lon", lon},
                        {"id_type", "other"},
                        {"id_number", "DOC" + std::to_string(10000 + ++documents_)},
                        {"proof_media_id", proof}}),
                   n.second);
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string id(r.Json().at("id").as_string());
    r = Call("POST", "/api/v1/memberships/" + id + "/approve", "", op);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Report(const std::string& token, double lat, double lon) {
    Reply r = Call("POST", "/api/v1/reports",
                   Obj({{"category", "robo"}, {"lat", lat}, {"lon", lon}, {"description", "robo"}}),
                   token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static const json::object* Row(const json::value& doc, const std::string& code) {
    for (const json::value& v : doc.at("rows").as_array())
      if (v.at("code").as_string() == code) return &v.as_object();
    return nullptr;
  }

  int documents_ = 0;
};

// Comuna centres (approx_centroid_lat/lon of south-precinct.csv).
constexpr double kSanMiguel[2] = {-33.4966, -70.6516};
constexpr double kLaCisterna[2] = {-33.5297, -70.6637};
constexpr double kElBosque[2] = {-33.5620, -70.6780};

TEST_P(AnalyticsTest, AdoptionTableOfTheDemoPrecinct) {
  const std::string op = Login("operador@centinela.demo", "demo-operador-2026");
  const std::string analyst = Login("analista@centinela.demo", "demo-analista-2026");
  const std::string responder = Login("patrulla@centinela.demo", "demo-patrulla-2026");
  ASSERT_FALSE(op.empty() || analyst.empty() || responder.empty());
  Member("m1-" + GetParam() + "@test.cl", kSanMiguel[0], kSanMiguel[1], op);
  Member("m2-" + GetParam() + "@test.cl", kSanMiguel[0] + 0.001, kSanMiguel[1], op);
  Member("m3-" + GetParam() + "@test.cl", kLaCisterna[0], kLaCisterna[1], op);
  auto reporter = Neighbour("reporter-" + GetParam() + "@test.cl");
  Report(reporter.second, kSanMiguel[0], kSanMiguel[1]);
  Report(reporter.second, kSanMiguel[0] + 0.002, kSanMiguel[1]);
  Report(reporter.second, kElBosque[0], kElBosque[1]);

  Reply r = Call("GET", "/api/v1/analytics/adoption?area=SUR", "", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value doc = r.Json();
  ASSERT_EQ(doc.at("rows").as_array().size(), 8u) << r.body;
  const json::object& total = doc.at("rows").as_array()[0].as_object();
  EXPECT_EQ(total.at("code").as_string(), "SUR");
  EXPECT_EQ(total.at("population").as_int64(), 831'876);
  EXPECT_EQ(total.at("target").as_int64(), 83'191);
  EXPECT_EQ(total.at("registered_addresses").as_int64(), 3);
  EXPECT_EQ(total.at("missing").as_int64(), 83'188);
  EXPECT_EQ(total.at("reports").as_int64(), 3);
  EXPECT_NE(r.body.find("\"compliance_pct\":0.0"), std::string::npos) << r.body;
  EXPECT_FALSE(std::regex_search(r.body, std::regex("[0-9][eE][-+]?[0-9]")))
      << "no exponent-form numbers: " << r.body;
  std::map<std::string, std::string> codes = {
      {"San Miguel", "13130"}, {"La Cisterna", "13109"}, {"San Joaquín", "13129"},
      {"La Pintana", "13112"}, {"San Ramón", "13131"},   {"La Granja", "13111"},
      {"El Bosque", "13105"}};
  const auto targets = PublishedTargets();
  ASSERT_EQ(targets.size(), 7u);
  for (const auto& [name, target] : targets) {
    const json::object* row = Row(doc, codes[name]);
    ASSERT_NE(row, nullptr) << name;
    EXPECT_EQ(row->at("target").as_int64(), target) << name;
    EXPECT_EQ(row->at("parent").as_string(), "SUR");
  }
  EXPECT_EQ(Row(doc, "13130")->at("registered_addresses").as_int64(), 2);
  EXPECT_EQ(Row(doc, "13130")->at("reports").as_int64(), 2);
  EXPECT_EQ(Row(doc, "13130")->at("missing").as_int64(), 10'796 - 2);
  EXPECT_EQ(Row(doc, "13109")->at("registered_addresses").as_int64(), 1);
  EXPECT_EQ(Row(doc, "13105")->at("reports").as_int64(), 1);
  // Ordered by compliance: San Miguel (2 / 10,796 = 0.0185 % -> 0.0) ties with the others at
  // 0.0, so the order among them is by code.
  EXPECT_EQ(doc.at("rows").as_array()[1].at("code").as_string(), "13105");

  // The window: reports before today's UTC midnight + 1 day are all in; none from tomorrow.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string tomorrow = Date(now_ms + 86'400'000), yesterday = Date(now_ms - 86'400'000);
  r = Call("GET", "/api/v1/analytics/adoption?area=SUR&from=" + yesterday + "&to=" + tomorrow, "",
           analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("rows").as_array()[0].at("reports").as_int64(), 3);
  r = Call("GET", "/api/v1/analytics/adoption?area=SUR&from=" + tomorrow, "", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("rows").as_array()[0].at("reports").as_int64(), 0);
  EXPECT_EQ(r.Json().at("rows").as_array()[0].at("registered_addresses").as_int64(), 3);

  // One comuna alone; the older per-area figure agrees with the table's precinct row.
  r = Call("GET", "/api/v1/analytics/adoption?area=13130", "", responder);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("rows").as_array().size(), 1u);
  r = Call("GET", "/api/v1/areas/SUR/adoption", "", op);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("target").as_int64(), 83'191);
  EXPECT_EQ(r.Json().at("registered_addresses").as_int64(), 3);

  // Scope and roles; bad parameters.
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption?area=SUR", "", responder).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption?area=SUR", "", reporter.second).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption?area=SUR").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption", "", analyst).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption?area=NOPE", "", analyst).status, 404);
  r = Call("GET", "/api/v1/analytics/adoption?area=SUR&from=2026-02-30", "", analyst);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/analytics/adoption?area=SUR&from=" + tomorrow + "&to=" + yesterday,
                 "", analyst)
                .status,
            400);

  // The CLI prints the same table from the same database.
  server_->Stop();  // clean shutdown has its own test (api_test.cc)
  server_.reset();
  CommandResult cli = RunCentinela(
      {"report", "adoption", "--area", "SUR", "--format", "csv", "--db", db_->url()});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("SUR,Prefectura"), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find(",0,831876,3,83191,83188,0.0,3\n"), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("13130,San Miguel,SUR,1,107954,2,10796,10794,0.0,2\n"),
            std::string::npos)
      << cli.output;
  cli = RunCentinela({"report", "adoption", "--area", "SUR", "--db", db_->url()});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("compliance"), std::string::npos) << cli.output;
  cli = RunCentinela({"report", "adoption", "--area", "NOPE", "--db", db_->url()});
  EXPECT_NE(cli.exit_code, 0);
  cli = RunCentinela({"report", "adoption", "--area", "SUR", "--format", "xml", "--db", db_->url()});
  EXPECT_EQ(cli.exit_code, 2) << cli.output;
}

// The dark figure of San Miguel this month: three robbery reports by neighbours; complaints
// written behind the server's back (the importer has its own tests): one 80 m and one hour
// from the first report, one 1.1 km south in San Miguel, one in El Bosque (outside 13130), one
// of the "violence" family.
// crime/this month in 13130: n1 = 3, n2 = 2, m = 1 ->
//   Chapman N = 4 * 3 / 2 - 1 = 5, dark figure = 1 - 2/5 = 0.6, unmatched share 2/3,
//   Var = 4 * 3 * 2 * 1 / (2^2 * 3) = 2, CI 5 +- 1.96 sqrt 2 = [2.23 -> 4 seen, 7.77],
//   progress = (0.5 - 0.6) / (0.5 - 0.3) = -0.5, not met.
// violence: n1 = 0, n2 = 1, m = 0 -> N = 1 * 2 / 1 - 1 = 1, dark figure 0.
TEST_P(AnalyticsTest, DarkFigureOfAComuna) {
  const std::string analyst = Login("analista@centinela.demo", "demo-analista-2026");
  const std::string responder = Login("patrulla@centinela.demo", "demo-patrulla-2026");
  auto reporter = Neighbour("dark-" + GetParam() + "@test.cl");
  ASSERT_FALSE(analyst.empty() || reporter.second.empty());
  Report(reporter.second, kSanMiguel[0], kSanMiguel[1]);
  Report(reporter.second, kSanMiguel[0] + 0.004, kSanMiguel[1]);
  Report(reporter.second, kSanMiguel[0], kSanMiguel[1] + 0.004);
  // An hour after the reports, or before them when that would cross into the next month.
  const int64_t now_ms = NowMs();
  const int64_t when = HourFromNowThisMonth();
  auto complaint = [&](const std::string& id, const std::string& family, double lat, double lon) {
    db_->Exec(
        "INSERT INTO complaints (source, source_id, occurred_ms, date_known, category, family, "
        "raw_category, lat, lon, area_code, import_seq) VALUES ('test', '" + id + "', " +
        std::to_string(when) + ", 1, 'robo', '" + family + "', 'ROBO', " +
        std::to_string(lat) + ", " + std::to_string(lon) + ", NULL, 1)");
  };
  complaint("near", "crime", kSanMiguel[0] + 0.0007, kSanMiguel[1]);  // ~78 m north
  complaint("far", "crime", kSanMiguel[0] - 0.0100, kSanMiguel[1]);  // 1.1 km south, still 13130
  complaint("bosque", "crime", kElBosque[0], kElBosque[1]);
  complaint("vif", "violence", kSanMiguel[0], kSanMiguel[1]);
  const std::string from = Date(now_ms - 86'400'000), to = Date(now_ms + 2 * 86'400'000);
  Reply r = Call("GET", "/api/v1/analytics/dark-figure?area=13130&from=" + from + "&to=" + to, "",
                 analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.Json();
  const json::array& rows = doc.at("rows").as_array();
  const json::object* crime = nullptr;
  const json::object* violence = nullptr;
  for (const json::value& v : rows) {
    if (v.at("family") == "crime") crime = &v.as_object();
    if (v.at("family") == "violence") violence = &v.as_object();
  }
  ASSERT_NE(crime, nullptr) << r.body;
  EXPECT_EQ(crime->at("informal").as_int64(), 3) << r.body;
  EXPECT_EQ(crime->at("formal").as_int64(), 2) << r.body;
  EXPECT_EQ(crime->at("matched").as_int64(), 1) << r.body;
  EXPECT_DOUBLE_EQ(crime->at("estimated_total").to_number<double>(), 5.0);
  EXPECT_DOUBLE_EQ(crime->at("dark_figure").to_number<double>(), 0.6);
  EXPECT_DOUBLE_EQ(crime->at("unmatched_share").to_number<double>(), 0.6667);
  EXPECT_DOUBLE_EQ(crime->at("estimated_total_ci95").as_array()[0].to_number<double>(), 4.0);
  EXPECT_DOUBLE_EQ(crime->at("estimated_total_ci95").as_array()[1].to_number<double>(), 7.8);
  EXPECT_DOUBLE_EQ(crime->at("progress").to_number<double>(), -0.5);
  EXPECT_FALSE(crime->at("target_met").as_bool());
  ASSERT_NE(violence, nullptr) << r.body;
  EXPECT_EQ(violence->at("formal").as_int64(), 1);
  EXPECT_DOUBLE_EQ(violence->at("dark_figure").to_number<double>(), 0.0);
  EXPECT_FALSE(std::regex_search(r.body, std::regex("[0-9][eE][-+]?[0-9]"))) << r.body;
  // A tighter D (50 m) loses the match; the precinct also sees El Bosque's complaint.
  r = Call("GET", "/api/v1/analytics/dark-figure?area=13130&from=" + from + "&to=" + to +
                      "&distance_m=50",
           "", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value tight = r.Json();
  for (const json::value& v : tight.at("rows").as_array()) {
    if (v.at("family") == "crime") {
      EXPECT_EQ(v.at("matched").as_int64(), 0) << r.body;
    }
  }
  r = Call("GET", "/api/v1/analytics/dark-figure?area=SUR&from=" + from + "&to=" + to, "", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value precinct = r.Json();
  for (const json::value& v : precinct.at("rows").as_array()) {
    if (v.at("family") == "crime") {
      EXPECT_EQ(v.at("formal").as_int64(), 3) << r.body;
    }
  }
  // Scope and parameters.
  EXPECT_EQ(Call("GET", "/api/v1/analytics/dark-figure?area=SUR&from=" + from + "&to=" + to, "",
                 responder)
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/dark-figure?area=13130&from=" + from, "", analyst).status,
            400);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/dark-figure?area=13130&from=" + from + "&to=" + to +
                     "&hours=abc",
                 "", analyst)
                .status,
            400);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/dark-figure?area=13130&from=" + from + "&to=" + to +
                     "&reference=0.3&target=0.3",
                 "", analyst)
                .status,
            400);
}

// Response times in San Miguel, incidents written behind the server's back (the dispatch
// flow has its own tests), received two hours ago:
//   police, priority 1: 300, 600 and 1,200 s -> p50 600 (the middle), p90 at position
//     2 * 0.9 = 1.8 -> 600 + 0.8 * 600 = 1,080; within 600 s: 2 of 3 = 0.6667
//   police + medical, priority 2: 120 s -> one row for each agency, p50 = p90 = 120, share 1
//   left out: one never on scene, one merged into another, one only in El Bosque.
TEST_P(AnalyticsTest, ResponseTimesOfAComuna) {
  const std::string analyst = Login("analista@centinela.demo", "demo-analista-2026");
  const std::string responder = Login("patrulla@centinela.demo", "demo-patrulla-2026");
  ASSERT_FALSE(analyst.empty() || responder.empty());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t base = now_ms - 7'200'000;
  auto incident = [&](const std::string& id, int priority, const std::string& agencies,
                      const std::string& on_scene, const std::string& area,
                      const std::string& merged) {
    db_->Exec(
        "INSERT INTO incidents (id, category, family, sensitivity, priority, status, source, lat, "
        "lon, areas, agencies, created_by, merged_into, received_ms, on_scene_ms, created_ms, "
        "updated_ms) VALUES ('" + id + "', 'robo', 'crime', 'public', " + std::to_string(priority) +
        ", 'on_scene', 'call', -33.4966, -70.6516, '[]', '" + agencies + "', 'test', " + merged +
        ", " + std::to_string(base) + ", " + on_scene + ", " + std::to_string(base) + ", " +
        std::to_string(base) + ")");
    db_->Exec("INSERT INTO incident_areas (area_code, created_ms, incident_id) VALUES ('" + area +
              "', " + std::to_string(base) + ", '" + id + "')");
  };
  auto after = [&](int seconds) { return std::to_string(base + seconds * 1000LL); };
  incident("i1", 1, R"(["police"])", after(300), "13130", "NULL");
  incident("i2", 1, R"(["police"])", after(1200), "13130", "NULL");
  incident("i3", 1, R"(["police"])", after(600), "13130", "NULL");
  incident("i4", 2, R"(["police","medical"])", after(120), "13130", "NULL");
  incident("i5", 1, R"(["police"])", "NULL", "13130", "NULL");
  incident("i6", 1, R"(["police"])", after(5), "13130", "'i1'");
  incident("i7", 1, R"(["police"])", after(9999), "13105", "NULL");
  const std::string from = Date(now_ms - 86'400'000), to = Date(now_ms + 86'400'000);
  Reply r = Call("GET",
                 "/api/v1/analytics/response-times?area=13130&from=" + from + "&to=" + to +
                     "&target_s=600",
                 "", analyst);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.Json();
  const json::array& rows = doc.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u) << r.body;
  const std::string month = Date(base).substr(0, 7);
  // Ordered by key: (month, "medical", "2"), (month, "police", "1"), (month, "police", "2").
  EXPECT_EQ(rows[0].at("agency").as_string(), "medical");
  EXPECT_EQ(rows[0].at("month").as_string(), month);
  EXPECT_DOUBLE_EQ(rows[0].at("p50_s").to_number<double>(), 120);
  const json::object& police = rows[1].as_object();
  EXPECT_EQ(police.at("agency").as_string(), "police");
  EXPECT_EQ(police.at("priority").as_int64(), 1);
  EXPECT_EQ(police.at("count").as_int64(), 3);
  EXPECT_DOUBLE_EQ(police.at("p50_s").to_number<double>(), 600);
  EXPECT_DOUBLE_EQ(police.at("p90_s").to_number<double>(), 1080);
  EXPECT_DOUBLE_EQ(police.at("within_target_share").to_number<double>(), 0.6667);
  EXPECT_EQ(rows[2].at("priority").as_int64(), 2);
  EXPECT_DOUBLE_EQ(rows[2].at("within_target_share").to_number<double>(), 1.0);
  EXPECT_FALSE(std::regex_search(r.body, std::regex("[0-9][eE][-+]?[0-9]"))) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/analytics/response-times?area=SUR&from=" + from + "&to=" + to, "",
                 responder)
                .status,
            403);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/response-times?area=13130", "", analyst).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/analytics/response-times?area=13130&from=" + from + "&to=" + to +
                     "&target_s=0",
                 "", analyst)
                .status,
            400);
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
