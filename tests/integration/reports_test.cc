// Neighbours' alerts over loopback against the real binary, on SQLite and PostgreSQL:
// categories, report creation (validation, routing to areas, default area, idempotency
// under 20 parallel retries, rate limit) and every read route filtered by the visibility
// rules (restricted reports, anonymous reporters, staff outside the area), and kill -9 right
// after a burst of 201s.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "api_client.h"

namespace centinela::testing {
using test::HttpClient;
namespace {

// A point in San Miguel (13130) and one in La Cisterna (13109), Santiago.
constexpr double kSanMiguelLat = -33.4960, kSanMiguelLon = -70.6510;
constexpr double kCisternaLat = -33.5330, kCisternaLon = -70.6630;

json::object ReportBody(const std::string& category, double lat, double lon,
                        const std::string& description, bool anonymous = false) {
  return json::object{{"category", category},
                      {"lat", lat},
                      {"lon", lon},
                      {"accuracy", 8},
                      {"address", "Gran Avenida 5000"},
                      {"description", description},
                      {"anonymous", anonymous}};
}

struct ReportsDeployment : Deployment {
  Account reporter, member, outsider, op_in, op_out, op_deanon, deanon_only;
};

class ReportsTest : public DeployedTest<ReportsDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-reports"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
            "CENTINELA_REPORTS_DEFAULT_AREA=FUERA"};
  }
  void Populate(ReportsDeployment& d) override {
    const Api api = this->api();
    api.AddArea(d.root, {{"code", "RM"},
                         {"name", "Región Metropolitana (test box)"},
                         {"kind", "region"},
                         {"agencies", json::array{"police", "fire", "medical", "municipal"}},
                         {"geometry", Box(-70.80, -33.70, -70.50, -33.40)}});
    api.AddArea(d.root, {{"code", "FUERA"},
                         {"name", "Sin área"},
                         {"kind", "region"},
                         {"geometry", Box(-1.0, -1.0, -0.9, -0.9)}});
    api.AddComunaSectors(d.root, {{"agencies", json::array{"police", "medical"}}});
    d.reporter = api.Neighbour("reporter@test.cl", "Rosa Reportera");
    d.member = api.Neighbour("member@test.cl", "Vecina San Miguel");
    d.outsider = api.Neighbour("outsider@test.cl", "Vecino La Cisterna");
    ASSERT_FALSE(d.reporter.second.empty() || d.member.second.empty() ||
                 d.outsider.second.empty());
    ApproveMember(*d.db, d.member.first, "13130");
    ApproveMember(*d.db, d.outsider.first, "13109");
    d.op_in = api.Staff(d.root, "op.sm@test.cl", "operator", "13130");
    d.op_out = api.Staff(d.root, "op.lc@test.cl", "operator", "13109");
    d.op_deanon =
        api.Staff(d.root, "fiscal@test.cl",
                  json::array{json::object{{"role", "operator"}, {"area", "13130"}},
                              json::object{{"role", "deanonymise"}, {"area", "13130"}}});
    d.deanon_only = api.Staff(d.root, "deanon.only@test.cl", "deanonymise", "13130");
  }

  // Posts a report as the reporter; returns its id.
  std::string Post(const json::object& body, const std::string& token = "") {
    Reply r = api().Call("POST", "/api/v1/reports", Api::Obj(body),
                         token.empty() ? dep_->reporter.second : token);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    return std::string(r.Json().at("id").as_string());
  }
  // Ids in a list answer.
  static std::set<std::string> Ids(const Reply& r) {
    std::set<std::string> out;
    const json::value doc = r.Json();
    if (!doc.is_object()) return out;
    for (const json::value& v : doc.at("reports").as_array())
      out.insert(std::string(v.at("id").as_string()));
    return out;
  }
};

TEST_P(ReportsTest, CategoriesAreSeededAndOnlyAllAreasAdminsEditThem) {
  Reply r = api().Call("GET", "/api/v1/categories", "", dep_->member.second);
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, json::object> by_code;
  const json::value doc = r.Json();
  for (const json::value& c : doc.at("categories").as_array())
    by_code[std::string(c.at("code").as_string())] = c.as_object();
  ASSERT_TRUE(by_code.count("robo") && by_code.count("violencia_intrafamiliar") &&
              by_code.count("luminaria_apagada"));
  EXPECT_EQ(by_code["violencia_intrafamiliar"].at("sensitivity").as_string(), "restricted");
  EXPECT_EQ(by_code["robo"].at("labels").at("es").as_string(), "Robo con violencia o intimidación");
  EXPECT_EQ(api().Call("GET", "/api/v1/categories").status, 401);

  json::object cat{{"code", "cable_cortado"},
                   {"family", "city_service"},
                   {"priority", 3},
                   {"sensitivity", "public"},
                   {"agencies", json::array{"municipal"}},
                   {"labels", json::object{{"es", "Cable cortado"}, {"en", "Cut cable"}}}};
  EXPECT_EQ(api().Call("POST", "/api/v1/categories", Api::Obj(cat), dep_->member.second).status,
            403);
  EXPECT_EQ(api().Call("POST", "/api/v1/categories", Api::Obj(cat), dep_->op_in.second).status,
            403);
  Reply created = api().Call("POST", "/api/v1/categories", Api::Obj(cat), dep_->root);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(api().Call("POST", "/api/v1/categories", Api::Obj(cat), dep_->root).status, 409);
  json::object bad = cat;
  bad["code"] = "otro";
  bad["priority"] = 7;
  EXPECT_EQ(api().Call("POST", "/api/v1/categories", Api::Obj(bad), dep_->root).status, 422);
  Reply patched = api().Call("PATCH", "/api/v1/categories/cable_cortado",
                             Api::Obj({{"active", false}}), dep_->root);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(patched.Json().at("active").as_bool());
  EXPECT_EQ(api()
                .Call("PATCH", "/api/v1/categories/nope", Api::Obj({{"active", false}}), dep_->root)
                .status,
            404);
  // An inactive category takes no new reports.
  EXPECT_EQ(api()
                .Call("POST", "/api/v1/reports",
                      Api::Obj(ReportBody("cable_cortado", kSanMiguelLat, kSanMiguelLon, "x")),
                      dep_->reporter.second)
                .status,
            422);
  EXPECT_EQ(dep_->db->Column("SELECT COUNT(*) FROM events WHERE type = 'category.updated'")[0],
            "1");
}

TEST_P(ReportsTest, CreationValidatesAndStampsAreasAndAgencies) {
  const std::string& t = dep_->reporter.second;
  auto call = [&](const json::object& b) {
    return api().Call("POST", "/api/v1/reports", Api::Obj(b), t);
  };
  EXPECT_EQ(call(ReportBody("no_such", kSanMiguelLat, kSanMiguelLon, "x")).status, 422);
  EXPECT_EQ(call(ReportBody("robo", 91, kSanMiguelLon, "x")).status, 422);
  EXPECT_EQ(call(ReportBody("robo", kSanMiguelLat, -181, "x")).status, 422);
  EXPECT_EQ(call(ReportBody("robo", kSanMiguelLat, kSanMiguelLon, std::string(2001, 'a'))).status,
            422);
  EXPECT_EQ(call(json::object{{"category", "robo"}}).status, 422);
  EXPECT_EQ(api()
                .Call("POST", "/api/v1/reports",
                      Api::Obj(ReportBody("robo", kSanMiguelLat, kSanMiguelLon, "x")))
                .status,
            401);
  // Media must exist and belong to the caller.
  dep_->db->Exec(
      "INSERT INTO media (id, owner_id, content_type, bytes, sha256, created_ms) VALUES "
      "('med-own-" +
      GetParam() + "', '" + dep_->reporter.first + "', 'image/jpeg', 10, 'x', 0)");
  dep_->db->Exec(
      "INSERT INTO media (id, owner_id, content_type, bytes, sha256, created_ms) VALUES "
      "('med-other-" +
      GetParam() + "', '" + dep_->member.first + "', 'image/jpeg', 10, 'x', 0)");
  json::object with_other = ReportBody("robo", kSanMiguelLat, kSanMiguelLon, "con foto ajena");
  with_other["media"] = json::array{"med-other-" + GetParam()};
  EXPECT_EQ(call(with_other).status, 422);
  with_other["media"] = json::array{"no-such-media"};
  EXPECT_EQ(call(with_other).status, 422);

  json::object ok = ReportBody("incendio", kSanMiguelLat, kSanMiguelLon, std::string(2000, 'n'));
  ok["media"] = json::array{"med-own-" + GetParam()};
  Reply r = call(ok);
  ASSERT_EQ(r.status, 201) << r.body;
  json::value v = r.Json();
  EXPECT_EQ(v.at("areas"), (json::array{"RM", "13130"}));
  // incendio routes to fire + medical; San Miguel is served by police + medical.
  EXPECT_EQ(v.at("agencies"), (json::array{"medical"}));
  EXPECT_EQ(v.at("media"), (json::array{"med-own-" + GetParam()}));
  EXPECT_EQ(v.at("location").as_string(), "exact");
  EXPECT_EQ(v.at("reporter").at("display_name").as_string(), "Rosa Reportera");
  // Coordinates in plain decimal, as sent.
  EXPECT_NE(r.body.find("\"lat\":-33.496,\"lon\":-70.651,"), std::string::npos) << r.body;
  const std::string id(v.at("id").as_string());
  EXPECT_EQ(dep_->db->Column("SELECT COUNT(*) FROM report_areas WHERE report_id = '" + id + "'")[0],
            "2");
  EXPECT_EQ(dep_->db->Column("SELECT COUNT(*) FROM report_media WHERE report_id = '" + id + "'")[0],
            "1");
  auto payload = dep_->db->Column(
      "SELECT payload FROM events WHERE type = 'report.created' AND subject = 'report:" + id + "'");
  ASSERT_EQ(payload.size(), 1u);
  EXPECT_EQ(json::parse(payload[0]).at("category").as_string(), "incendio");
}

TEST_P(ReportsTest, OutsideEveryAreaLandsInTheDefaultArea) {
  Reply r = api().Call("POST", "/api/v1/reports",
                       Api::Obj(ReportBody("robo", -10.0, -50.0, "en medio de la nada")),
                       dep_->reporter.second);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json().at("areas"), (json::array{"FUERA"}));
  EXPECT_EQ(r.Json().at("agencies"), (json::array{"police"}));
  const std::string id(r.Json().at("id").as_string());
  EXPECT_EQ(dep_->db->Column("SELECT area_code FROM report_areas WHERE report_id = '" + id + "'"),
            std::vector<std::string>{"FUERA"});
  Reply listed = api().Call("GET", "/api/v1/reports?area=FUERA", "", dep_->root);
  EXPECT_TRUE(Ids(listed).count(id)) << listed.body;
}

TEST_P(ReportsTest, PublicAnonymousReportIsCoarseAndNamelessForNeighbours) {
  const std::string id = Post(ReportBody("persona_sospechosa", kSanMiguelLat, kSanMiguelLon,
                                         "merodeando autos", /*anonymous=*/true));
  ASSERT_FALSE(id.empty());
  const std::string path = "/api/v1/reports/" + id;

  // Member of San Miguel: visible, coarse, no address, no reporter (detail and list).
  Reply m = api().Call("GET", path, "", dep_->member.second);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.Json().at("location").as_string(), "coarse");
  EXPECT_TRUE(m.Json().at("reporter").is_null());
  EXPECT_TRUE(m.Json().at("address").is_null());
  EXPECT_NE(m.Json().at("lat").as_double(), kSanMiguelLat);
  EXPECT_NEAR(m.Json().at("lat").as_double(), kSanMiguelLat, 0.001);
  EXPECT_EQ(m.body.find(dep_->reporter.first), std::string::npos);
  EXPECT_EQ(m.body.find("Rosa"), std::string::npos);
  Reply ml = api().Call("GET", "/api/v1/reports?limit=200", "", dep_->member.second);
  ASSERT_EQ(ml.status, 200);
  bool found = false;
  const json::value list = ml.Json();
  for (const json::value& item : list.at("reports").as_array()) {
    if (item.at("id").as_string() != id) continue;
    found = true;
    EXPECT_TRUE(item.at("reporter").is_null());
    EXPECT_EQ(item.at("location").as_string(), "coarse");
    EXPECT_EQ(json::serialize(item).find(dep_->reporter.first), std::string::npos);
  }
  EXPECT_TRUE(found);

  // Neighbour of another comuna: as if it did not exist.
  EXPECT_EQ(api().Call("GET", path, "", dep_->outsider.second).status, 404);
  EXPECT_FALSE(
      Ids(api().Call("GET", "/api/v1/reports?limit=200", "", dep_->outsider.second)).count(id));

  // Operator of San Miguel: exact, still anonymous. Operator of La Cisterna: nothing.
  Reply o = api().Call("GET", path, "", dep_->op_in.second);
  ASSERT_EQ(o.status, 200);
  EXPECT_EQ(o.Json().at("location").as_string(), "exact");
  EXPECT_DOUBLE_EQ(o.Json().at("lat").as_double(), kSanMiguelLat);
  EXPECT_TRUE(o.Json().at("reporter").is_null());
  EXPECT_EQ(o.body.find(dep_->reporter.first), std::string::npos);
  EXPECT_EQ(api().Call("GET", path, "", dep_->op_out.second).status, 404);
  EXPECT_FALSE(
      Ids(api().Call("GET", "/api/v1/reports?limit=200", "", dep_->op_out.second)).count(id));

  // A deanonymise grant alone shows nothing; with the operator role it names the reporter
  // and the read is in the log.
  EXPECT_EQ(api().Call("GET", path, "", dep_->deanon_only.second).status, 404);
  auto logged = [&] {
    return dep_->db->Column(
        "SELECT COUNT(*) FROM events WHERE type = 'report.deanonymised_read' AND subject = "
        "'report:" +
        id + "' AND actor = '" + dep_->op_deanon.first + "' AND scope = 'admin'")[0];
  };
  EXPECT_EQ(logged(), "0");
  Reply d = api().Call("GET", path, "", dep_->op_deanon.second);
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.Json().at("reporter").at("id").as_string(), dep_->reporter.first);
  EXPECT_EQ(logged(), "1");
  // Listing names it too, and logs that read as well.
  Reply dl = api().Call("GET", "/api/v1/reports?area=13130&limit=200", "", dep_->op_deanon.second);
  ASSERT_EQ(dl.status, 200);
  EXPECT_NE(dl.body.find(dep_->reporter.first), std::string::npos);
  EXPECT_EQ(logged(), "2");
  // The reporter sees it fully.
  Reply own = api().Call("GET", path, "", dep_->reporter.second);
  EXPECT_EQ(own.Json().at("reporter").at("id").as_string(), dep_->reporter.first);
  EXPECT_EQ(own.Json().at("address").as_string(), "Gran Avenida 5000");
}

TEST_P(ReportsTest, RestrictedReportNeverReachesTheCommunity) {
  const std::string id =
      Post(ReportBody("violencia_intrafamiliar", kSanMiguelLat, kSanMiguelLon, "gritos y golpes"));
  ASSERT_FALSE(id.empty());
  const std::string path = "/api/v1/reports/" + id;
  for (const std::string* token : {&dep_->member.second, &dep_->outsider.second,
                                   &dep_->op_out.second, &dep_->deanon_only.second}) {
    EXPECT_EQ(api().Call("GET", path, "", *token).status, 404);
    for (const char* q :
         {"/api/v1/reports?limit=200", "/api/v1/reports?area=13130&limit=200",
          "/api/v1/reports?category=violencia_intrafamiliar", "/api/v1/reports/mine"}) {
      Reply r = api().Call("GET", q, "", *token);
      ASSERT_EQ(r.status, 200) << q;
      EXPECT_EQ(r.body.find(id), std::string::npos) << q;
      EXPECT_EQ(r.body.find("violencia_intrafamiliar"), std::string::npos) << q;
    }
  }
  EXPECT_EQ(api().Call("GET", path, "", dep_->op_in.second).status, 200);
  EXPECT_TRUE(Ids(api().Call("GET", "/api/v1/reports/mine", "", dep_->reporter.second)).count(id));
  EXPECT_TRUE(
      Ids(api().Call("GET", "/api/v1/reports?area=13130&limit=200", "", dep_->root)).count(id));
}

// Family (accepted family_links) sees the reporter's restricted reports only when shared.
TEST_P(ReportsTest, FamilySeesRestrictedReportsOnlyWhenShared) {
  auto mother = api().Neighbour("madre-" + GetParam() + "@test.cl", "Madre");
  auto son = api().Neighbour("hijo-" + GetParam() + "@test.cl", "Hijo");
  ASSERT_FALSE(mother.second.empty() || son.second.empty());
  dep_->db->Exec(
      "INSERT INTO family_links (id, owner_id, member_id, status, created_ms, updated_ms) VALUES "
      "('fl-" +
      GetParam() + "', '" + mother.first + "', '" + son.first + "', 'accepted', 0, 0)");
  json::object shared =
      ReportBody("panico", kCisternaLat, kCisternaLon, "ayuda", /*anonymous=*/true);
  shared["share_with_family"] = true;
  const std::string shared_id = Post(shared, mother.second);
  const std::string private_id =
      Post(ReportBody("abuso_sexual", kCisternaLat, kCisternaLon, "privado", /*anonymous=*/true),
           mother.second);
  Reply r = api().Call("GET", "/api/v1/reports/" + shared_id, "", son.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("reporter").at("id").as_string(), mother.first);
  EXPECT_EQ(api().Call("GET", "/api/v1/reports/" + private_id, "", son.second).status, 404);
  std::set<std::string> listed =
      Ids(api().Call("GET", "/api/v1/reports?limit=200", "", son.second));
  EXPECT_TRUE(listed.count(shared_id));
  EXPECT_FALSE(listed.count(private_id));
  // The neighbourhood (La Cisterna member) sees neither.
  EXPECT_EQ(api().Call("GET", "/api/v1/reports/" + shared_id, "", dep_->outsider.second).status,
            404);
}

TEST_P(ReportsTest, TwentyParallelPostsWithOneKeyCreateOneReport) {
  const std::string key = "retry-" + GetParam() + "-1";
  const std::string marker = "idem-" + GetParam();
  const std::string body = Api::Obj(ReportBody("robo", kSanMiguelLat, kSanMiguelLon, marker));
  std::vector<Reply> replies(20);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back([&, i] {
      replies[i] = api().Call("POST", "/api/v1/reports", body, dep_->reporter.second,
                              {{"Idempotency-Key", key}});
    });
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  int replays = 0;
  for (const Reply& r : replies) {
    ASSERT_EQ(r.status, 201) << r.body;
    ids.insert(std::string(r.Json().at("id").as_string()));
    if (r.Header("idempotent-replay") == "true") ++replays;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(replays, 19);
  EXPECT_EQ(
      dep_->db->Column("SELECT COUNT(*) FROM reports WHERE description = '" + marker + "'")[0],
      "1");
  // Same body as the first answer, byte for byte.
  Reply again = api().Call("POST", "/api/v1/reports", body, dep_->reporter.second,
                           {{"Idempotency-Key", key}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.Header("idempotent-replay"), "true");
  EXPECT_EQ(again.body, replies[0].body);
  // The key with another body: 422. Another user with the same key: their own report.
  Reply other = api().Call("POST", "/api/v1/reports",
                           Api::Obj(ReportBody("hurto", kSanMiguelLat, kSanMiguelLon, "otro")),
                           dep_->reporter.second, {{"Idempotency-Key", key}});
  EXPECT_EQ(other.status, 422) << other.body;
  Reply mine =
      api().Call("POST", "/api/v1/reports", body, dep_->member.second, {{"Idempotency-Key", key}});
  EXPECT_EQ(mine.status, 201);
  EXPECT_TRUE(mine.Header("idempotent-replay").empty());
  EXPECT_EQ(api()
                .Call("POST", "/api/v1/reports", body, dep_->reporter.second,
                      {{"Idempotency-Key", std::string(129, 'k')}})
                .status,
            400);
}

TEST_P(ReportsTest, CursorPaginationIsStableUnderInserts) {
  auto user = api().Neighbour("pager-" + GetParam() + "@test.cl", "Pager");
  ASSERT_FALSE(user.second.empty());
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i)
    created.push_back(Post(ReportBody("hurto", kCisternaLat, kCisternaLon, "p" + std::to_string(i)),
                           user.second));
  std::vector<std::string> seen;
  std::vector<std::string> times;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    std::string q = "/api/v1/reports/mine?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor);
    Reply r = api().Call("GET", q, "", user.second);
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value doc = r.Json();
    for (const json::value& v : doc.at("reports").as_array()) {
      seen.emplace_back(v.at("id").as_string());
      times.emplace_back(v.at("created_at").as_string());
    }
    if (page == 0)
      Post(ReportBody("hurto", kCisternaLat, kCisternaLon, "inserted meanwhile"), user.second);
    if (r.Json().at("next_cursor").is_null()) break;
    cursor = std::string(r.Json().at("next_cursor").as_string());
  }
  // Newest first, each once, the insert (newer than the first page) not shown again.
  EXPECT_EQ(seen.size(), created.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
            std::set<std::string>(created.begin(), created.end()));
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
  EXPECT_EQ(api().Call("GET", "/api/v1/reports?cursor=%21%21", "", user.second).status, 400);
  EXPECT_EQ(api().Call("GET", "/api/v1/reports?limit=0", "", user.second).status, 400);
  EXPECT_EQ(api().Call("GET", "/api/v1/reports?bbox=1,2,3", "", user.second).status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportsTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

// ---- tests that need their own server ---------------------------------------------------

class ReportsOwnServerTest : public OwnDatabaseTest {};

TEST_P(ReportsOwnServerTest, RateLimitAnswers429WithRetryAfter) {
  ServerProcess server(dir_, db_->url(), {}, {"CENTINELA_REPORTS_MAX_PER_MINUTE=3"});
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  auto user = api.Neighbour("rapida@test.cl", "Rápida");
  ASSERT_FALSE(user.second.empty());
  const std::string body =
      Api::Obj(ReportBody("ruidos_molestos", kSanMiguelLat, kSanMiguelLon, "fiesta"));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(api.Call("POST", "/api/v1/reports", body, user.second).status, 201);
  Reply r = api.Call("POST", "/api/v1/reports", body, user.second);
  EXPECT_EQ(r.status, 429) << r.body;
  int retry = std::atoi(r.Header("retry-after").c_str());
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  // Another user has their own budget.
  auto other = api.Neighbour("calma@test.cl", "Calma");
  EXPECT_EQ(api.Call("POST", "/api/v1/reports", body, other.second).status, 201);
  server.Stop();
}

// Reports answered 201 by many concurrent clients survive kill -9 right after.
TEST_P(ReportsOwnServerTest, EveryAcknowledgedReportSurvivesKillDashNine) {
  ServerProcess server(dir_, db_->url(), {},
                       {"CENTINELA_REPORTS_MAX_PER_MINUTE=0", "CENTINELA_REPORTS_MAX_PER_DAY=0"});
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  constexpr int kClients = 8;
  std::vector<std::string> tokens;
  for (int c = 0; c < kClients; ++c) {
    tokens.push_back(api.Neighbour("k" + std::to_string(c) + "@test.cl", "K").second);
    ASSERT_FALSE(tokens.back().empty());
  }
  const std::string body = Api::Obj(ReportBody("robo", kSanMiguelLat, kSanMiguelLon, "k"));
  const std::vector<std::string> acknowledged =
      BurstThenKill(server, kClients, 600, [&](int c, int, HttpClient& http) -> std::string {
        auto r = http.Request("POST", "/api/v1/reports", body,
                              {{"Authorization", "Bearer " + tokens[static_cast<size_t>(c)]},
                               {"Content-Type", "application/json"}});
        if (r.status != 201) return "";
        boost::system::error_code ec;
        json::value v = json::parse(r.body, ec);
        return ec ? "" : std::string(v.at("id").as_string());
      });
  ASSERT_GT(acknowledged.size(), 100u);

  ServerProcess restarted(dir_, db_->url());
  ASSERT_TRUE(restarted.Start()) << restarted.output();
  auto rows = db_->Column("SELECT id FROM reports");
  std::set<std::string> durable(rows.begin(), rows.end());
  size_t missing = 0;
  for (const std::string& id : acknowledged)
    if (!durable.count(id)) ++missing;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged reports";
  restarted.Stop();
  CommandResult audit = RunCentinela({"audit", "verify", "--db", db_->url(), "--data-dir", dir_});
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, ReportsOwnServerTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
