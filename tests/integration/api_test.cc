// The API over loopback against the real binary, on SQLite and on PostgreSQL: every route's
// authentication and scope, the error envelope, accounts, areas, the audit chain, durability
// under kill -9 and a graceful stop.
#include <gtest/gtest.h>
#include <signal.h>

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

#include "db_access.h"
#include "support/http_client.h"
#include "server_process.h"

namespace centinela::testing {
using test::HttpClient;
namespace {

namespace json = boost::json;

// ---- small HTTP helpers -----------------------------------------------------------------

struct Reply {
  int status = 0;
  std::string body;
  std::string retry_after;
  std::string allow;
  json::value Json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    return ec ? json::value() : v;
  }
  // The one error envelope: {"error":{"code":"...","message":"..."}} and nothing else.
  std::string ErrorCode() const {
    json::value v = Json();
    if (!v.is_object() || v.as_object().size() != 1 || !v.as_object().contains("error")) return "<not an envelope>";
    const json::value& e = v.at("error");
    if (!e.is_object() || e.as_object().size() != 2 || !e.at("code").is_string() || !e.at("message").is_string())
      return "<bad envelope>";
    return std::string(e.at("code").as_string());
  }
};

class Api {
 public:
  explicit Api(int port) : port_(port) {}
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "", const std::string& content_type = "application/json") {
    HttpClient client("127.0.0.1", static_cast<uint16_t>(port_));
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    auto r = client.Request(method, target, body, headers);
    Reply out;
    out.status = r.status;
    out.body = r.body;
    out.retry_after = r.Header("retry-after");
    out.allow = r.Header("allow");
    return out;
  }
  std::string Login(const std::string& login, const std::string& password) {
    Reply r = Call("POST", "/api/v1/auth/login", Obj({{"login", login}, {"password", password}}));
    if (r.status != 200) return "";
    return std::string(r.Json().at("token").as_string());
  }
  static std::string Obj(const json::object& o) { return json::serialize(o); }

 private:
  int port_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Real comuna boundaries from the demo data, by name.
json::value ComunaGeometry(const std::string& name) {
  static json::value doc =
      json::parse(ReadFile(std::string(CENTINELA_SOURCE_DIR) + "/demo/santiago_south_precinct_7_comunas.geojson"));
  for (const json::value& f : doc.at("features").as_array())
    if (f.at("properties").at("NOM_COM").as_string() == name) return f.at("geometry");
  ADD_FAILURE() << "no comuna " << name;
  return {};
}

// A rectangle around the South Precinct: the root area of the test tree.
json::value RegionBox() {
  return json::parse(
      R"({"type":"Polygon","coordinates":[[[-70.80,-33.70],[-70.50,-33.70],[-70.50,-33.40],[-70.80,-33.40],[-70.80,-33.70]]]})");
}

constexpr const char* kRootPassword = "root-password-1234";
constexpr const char* kPassword = "a-long-password-99";

// ---- one server per backend, shared by the API tests -----------------------------------

struct Deployment {
  std::string dir;
  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServerProcess> server;
  std::string root_token, operator_token, area_admin_token, neighbour_token;
  std::string neighbour_id, operator_id;
};

std::map<std::string, std::unique_ptr<Deployment>>& Deployments() {
  static std::map<std::string, std::unique_ptr<Deployment>> d;
  return d;
}

class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto& slot = Deployments()[GetParam()];
    if (!slot) {
      auto d = std::make_unique<Deployment>();
      d->dir = MakeTempDir("centinela-api-" + GetParam());
      d->db = std::make_unique<TestDatabase>(GetParam(), d->dir);
      if (!d->db->available()) GTEST_SKIP() << d->db->reason();
      // The first admin comes from the CLI, as an operator would do it.
      CommandResult add = RunCentinela({"user", "add", "--email", "root@test.cl", "--password", kRootPassword,
                                        "--role", "admin", "--db", d->db->url(), "--data-dir", d->dir});
      ASSERT_EQ(add.exit_code, 0) << add.output;
      d->server = std::make_unique<ServerProcess>(d->dir, d->db->url(), std::vector<std::string>{},
                                                  std::vector<std::string>{"CENTINELA_AUTH_LOGIN_MAX_FAILURES_PER_IP=100000"});
      ASSERT_TRUE(d->server->Start()) << d->server->output();
      Api api(d->server->port());
      d->root_token = api.Login("root@test.cl", kRootPassword);
      ASSERT_FALSE(d->root_token.empty());
      // Area tree: RM (region box) > 13130 San Miguel, 13109 La Cisterna (real boundaries).
      Reply r = api.Call("POST", "/api/v1/areas",
                         Api::Obj({{"code", "RM"}, {"name", "Región Metropolitana (test box)"}, {"kind", "region"},
                                   {"population", 1000}, {"geometry", RegionBox()}}),
                         d->root_token);
      ASSERT_EQ(r.status, 201) << r.body;
      for (auto [code, name] : {std::pair{"13130", "San Miguel"}, std::pair{"13109", "La Cisterna"}}) {
        r = api.Call("POST", "/api/v1/areas",
                     Api::Obj({{"code", code}, {"name", name}, {"kind", "sector"}, {"parent", "RM"},
                               {"population", 100000}, {"agencies", json::array{"police", "fire"}},
                               {"geometry", ComunaGeometry(name)}}),
                     d->root_token);
        ASSERT_EQ(r.status, 201) << r.body;
      }
      // Staff created by the admin through the API, scoped to San Miguel.
      r = api.Call("POST", "/api/v1/users",
                   Api::Obj({{"email", "operador@test.cl"}, {"password", kPassword},
                             {"roles", json::array{json::object{{"role", "operator"}, {"area", "13130"}}}}}),
                   d->root_token);
      ASSERT_EQ(r.status, 201) << r.body;
      d->operator_id = std::string(r.Json().at("id").as_string());
      r = api.Call("POST", "/api/v1/users",
                   Api::Obj({{"email", "admin.sm@test.cl"}, {"password", kPassword},
                             {"roles", json::array{json::object{{"role", "admin"}, {"area", "13130"}}}}}),
                   d->root_token);
      ASSERT_EQ(r.status, 201) << r.body;
      r = api.Call("POST", "/api/v1/auth/register",
                   Api::Obj({{"email", "vecina@test.cl"}, {"password", kPassword}, {"display_name", "Vecina"}}));
      ASSERT_EQ(r.status, 201) << r.body;
      d->neighbour_id = std::string(r.Json().at("id").as_string());
      d->operator_token = api.Login("operador@test.cl", kPassword);
      d->area_admin_token = api.Login("admin.sm@test.cl", kPassword);
      d->neighbour_token = api.Login("vecina@test.cl", kPassword);
      ASSERT_FALSE(d->operator_token.empty() || d->area_admin_token.empty() || d->neighbour_token.empty());
      slot = std::move(d);
    }
    dep_ = slot.get();
    if (!dep_->server) GTEST_SKIP() << dep_->db->reason();
  }

  static void TearDownTestSuite() {
    for (auto& [name, d] : Deployments()) {
      if (d && d->server) d->server->Stop();
      if (d) {
        d->db.reset();
        std::filesystem::remove_all(d->dir);
      }
    }
    Deployments().clear();
  }

  Api api() { return Api(dep_->server->port()); }
  Deployment* dep_ = nullptr;
};

TEST_P(ApiTest, HealthReadinessAndMetrics) {
  Reply h = api().Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  Reply r = api().Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().at("store").as_string(), GetParam());
  Reply m = api().Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("centinela_http_requests_total{"), std::string::npos);
  EXPECT_NE(m.body.find("centinela_store_commit_seconds_bucket"), std::string::npos);
}

// Every protected route answers 401 without a token and with a forged one.
TEST_P(ApiTest, EveryProtectedRouteNeedsAToken) {
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/api/v1/auth/logout"}, {"GET", "/api/v1/me"},           {"PATCH", "/api/v1/me"},
      {"GET", "/api/v1/users"},        {"POST", "/api/v1/users"},        {"GET", "/api/v1/users/x"},
      {"POST", "/api/v1/users/x/grants"}, {"GET", "/api/v1/areas"},      {"POST", "/api/v1/areas"},
      {"GET", "/api/v1/areas/at?lat=-33.5&lon=-70.65"}, {"GET", "/api/v1/areas/13130"},
      {"PATCH", "/api/v1/areas/13130"}, {"DELETE", "/api/v1/areas/13130"}};
  for (const auto& [method, path] : routes) {
    std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
    Reply none = api().Call(method, path, body);
    EXPECT_EQ(none.status, 401) << method << " " << path;
    EXPECT_EQ(none.ErrorCode(), "unauthenticated") << method << " " << path;
    Reply forged = api().Call(method, path, body, "forged-token-value");
    EXPECT_EQ(forged.status, 401) << method << " " << path;
  }
}

TEST_P(ApiTest, RolesAndAreaScopeAreEnforced) {
  const std::string area_patch = Api::Obj({{"population", 120000}});
  // A neighbour holds no staff role.
  EXPECT_EQ(api().Call("GET", "/api/v1/users", "", dep_->neighbour_token).status, 403);
  EXPECT_EQ(api().Call("PATCH", "/api/v1/areas/13130", area_patch, dep_->neighbour_token).status, 403);
  EXPECT_EQ(api().Call("POST", "/api/v1/areas", "{}", dep_->neighbour_token).ErrorCode(), "forbidden");
  // An operator is not an admin.
  EXPECT_EQ(api().Call("PATCH", "/api/v1/areas/13130", area_patch, dep_->operator_token).status, 403);
  EXPECT_EQ(api().Call("POST", "/api/v1/users/" + dep_->neighbour_id + "/grants",
                       Api::Obj({{"role", "operator"}, {"area", "13130"}}), dep_->operator_token)
                .status,
            403);
  // An admin of San Miguel administers San Miguel and nothing else.
  Reply ok = api().Call("PATCH", "/api/v1/areas/13130", area_patch, dep_->area_admin_token);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json().at("population").as_int64(), 120000);
  Reply outside = api().Call("PATCH", "/api/v1/areas/13109", area_patch, dep_->area_admin_token);
  EXPECT_EQ(outside.status, 403);
  EXPECT_EQ(outside.ErrorCode(), "forbidden");
  EXPECT_EQ(api().Call("DELETE", "/api/v1/areas/13109", "", dep_->area_admin_token).status, 403);
  EXPECT_EQ(api().Call("PATCH", "/api/v1/areas/RM", area_patch, dep_->area_admin_token).status, 403);
  // ... and may not move its area under a parent it does not cover, or create roots.
  EXPECT_EQ(api().Call("PATCH", "/api/v1/areas/13130", Api::Obj({{"parent", "13109"}}), dep_->area_admin_token).status,
            403);
  EXPECT_EQ(api().Call("POST", "/api/v1/areas",
                       Api::Obj({{"code", "X1"}, {"name", "x"}, {"kind", "region"}, {"geometry", RegionBox()}}),
                       dep_->area_admin_token)
                .status,
            403);
  // Granting roles: only over areas the admin's grant covers.
  EXPECT_EQ(api().Call("POST", "/api/v1/users",
                       Api::Obj({{"email", "op2@test.cl"}, {"password", kPassword},
                                 {"roles", json::array{json::object{{"role", "operator"}, {"area", "13109"}}}}}),
                       dep_->area_admin_token)
                .status,
            403);
  Reply created = api().Call("POST", "/api/v1/users",
                             Api::Obj({{"email", "op3-" + GetParam() + "@test.cl"}, {"password", kPassword},
                                       {"roles", json::array{json::object{{"role", "responder"}, {"area", "13130"}}}}}),
                             dep_->area_admin_token);
  EXPECT_EQ(created.status, 201) << created.body;
  // Reading a user outside the admin's scope.
  EXPECT_EQ(api().Call("GET", "/api/v1/users/" + dep_->neighbour_id, "", dep_->area_admin_token).status, 403);
  EXPECT_EQ(api().Call("GET", "/api/v1/users/" + dep_->operator_id, "", dep_->area_admin_token).status, 200);
  EXPECT_EQ(api().Call("GET", "/api/v1/users/" + dep_->neighbour_id, "", dep_->neighbour_token).status, 200);
}

TEST_P(ApiTest, BadInputGetsTheErrorEnvelope) {
  const std::string& t = dep_->neighbour_token;
  Reply malformed = api().Call("PATCH", "/api/v1/me", "{\"display_name\": ", t);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.ErrorCode(), "bad_request");
  Reply wrong_type = api().Call("PATCH", "/api/v1/me", "display_name=x", t, "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(wrong_type.ErrorCode(), "unsupported_media_type");
  Reply oversize = api().Call("PATCH", "/api/v1/me", "{\"display_name\":\"" + std::string(2 << 20, 'a') + "\"}", t);
  EXPECT_EQ(oversize.status, 413);
  EXPECT_EQ(oversize.ErrorCode(), "payload_too_large");
  Reply unknown = api().Call("GET", "/api/v1/nothing-here", "", t);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.ErrorCode(), "not_found");
  Reply method = api().Call("DELETE", "/api/v1/me", "", t);
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.ErrorCode(), "method_not_allowed");
  EXPECT_NE(method.allow.find("GET"), std::string::npos);
  Reply semantic = api().Call("PATCH", "/api/v1/me", Api::Obj({{"locale", "klingon"}}), t);
  EXPECT_EQ(semantic.status, 422);
  EXPECT_EQ(semantic.ErrorCode(), "unprocessable");
  Reply not_object = api().Call("PATCH", "/api/v1/me", "[1,2]", t);
  EXPECT_EQ(not_object.status, 422);
  Reply dup = api().Call("POST", "/api/v1/auth/register", Api::Obj({{"email", "vecina@test.cl"}, {"password", kPassword}}));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.ErrorCode(), "conflict");
  Reply weak = api().Call("POST", "/api/v1/auth/register", Api::Obj({{"email", "weak@test.cl"}, {"password", "123"}}));
  EXPECT_EQ(weak.status, 422);
  Reply bad_lat = api().Call("GET", "/api/v1/areas/at?lat=abc&lon=-70.6", "", t);
  EXPECT_EQ(bad_lat.status, 400);
  Reply far_lat = api().Call("GET", "/api/v1/areas/at?lat=100&lon=-70.6", "", t);
  EXPECT_EQ(far_lat.status, 422);
}

TEST_P(ApiTest, RegisterLoginProfileLogout) {
  const std::string email = "nuevo-" + GetParam() + "@test.cl";
  Reply reg = api().Call("POST", "/api/v1/auth/register",
                         Api::Obj({{"email", email}, {"password", kPassword}, {"display_name", "Nuevo"}}));
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(reg.body.find(kPassword), std::string::npos);
  Reply wrong = api().Call("POST", "/api/v1/auth/login", Api::Obj({{"login", email}, {"password", "not-the-password"}}));
  EXPECT_EQ(wrong.status, 401);
  std::string token = api().Login(email, kPassword);
  ASSERT_FALSE(token.empty());
  Reply me = api().Call("GET", "/api/v1/me", "", token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.Json().at("email").as_string(), email);
  EXPECT_EQ(me.Json().at("roles").as_array().at(0).at("role").as_string(), "neighbour");
  Reply patched = api().Call("PATCH", "/api/v1/me", Api::Obj({{"display_name", "Nueva Vecina"}, {"locale", "en"}}), token);
  ASSERT_EQ(patched.status, 200) << patched.body;
  me = api().Call("GET", "/api/v1/me", "", token);
  EXPECT_EQ(me.Json().at("display_name").as_string(), "Nueva Vecina");
  EXPECT_EQ(me.Json().at("locale").as_string(), "en");
  // The token is stored only as a hash.
  auto stored = dep_->db->Column("SELECT token_hash FROM sessions");
  for (const auto& h : stored) EXPECT_NE(h, token);
  EXPECT_EQ(api().Call("POST", "/api/v1/auth/logout", "", token).status, 204);
  EXPECT_EQ(api().Call("GET", "/api/v1/me", "", token).status, 401);
}

TEST_P(ApiTest, LoginThrottlingAnswers429WithRetryAfter) {
  const std::string email = "throttle-" + GetParam() + "@test.cl";
  ASSERT_EQ(api().Call("POST", "/api/v1/auth/register", Api::Obj({{"email", email}, {"password", kPassword}})).status, 201);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(api().Call("POST", "/api/v1/auth/login", Api::Obj({{"login", email}, {"password", "wrong-password"}})).status,
              401);
  }
  Reply locked = api().Call("POST", "/api/v1/auth/login", Api::Obj({{"login", email}, {"password", kPassword}}));
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.ErrorCode(), "rate_limited");
  ASSERT_FALSE(locked.retry_after.empty());
  EXPECT_GE(std::stoi(locked.retry_after), 1);
}

TEST_P(ApiTest, AreasAtPointGeoJsonAndValidation) {
  const std::string& t = dep_->operator_token;
  // San Miguel's approximate centre (south-precinct.csv).
  Reply at = api().Call("GET", "/api/v1/areas/at?lat=-33.4966&lon=-70.6516", "", t);
  ASSERT_EQ(at.status, 200) << at.body;
  auto areas = at.Json().at("areas").as_array();
  ASSERT_EQ(areas.size(), 2u) << at.body;
  EXPECT_EQ(areas[0].at("code").as_string(), "RM");
  EXPECT_EQ(areas[1].at("code").as_string(), "13130");
  Reply sea = api().Call("GET", "/api/v1/areas/at?lat=-33.0&lon=-72.5", "", t);
  EXPECT_EQ(sea.Json().at("areas").as_array().size(), 0u);
  Reply fc = api().Call("GET", "/api/v1/areas?format=geojson", "", t);
  ASSERT_EQ(fc.status, 200);
  EXPECT_EQ(fc.Json().at("type").as_string(), "FeatureCollection");
  EXPECT_GE(fc.Json().at("features").as_array().size(), 3u);
  Reply one = api().Call("GET", "/api/v1/areas/13109", "", t);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.Json().at("geometry").at("type").as_string(), "Polygon");
  // Stored coordinates come back as written (-70.6...), not re-formatted (-7.06...E1).
  EXPECT_EQ(one.body.find("E1"), std::string::npos) << one.body.substr(0, 300);
  EXPECT_NE(one.body.find("-70."), std::string::npos);
  EXPECT_EQ(api().Call("GET", "/api/v1/areas/99999", "", t).status, 404);

  const std::string& root = dep_->root_token;
  json::value bowtie = json::parse(
      R"({"type":"Polygon","coordinates":[[[-70.7,-33.6],[-70.6,-33.5],[-70.6,-33.6],[-70.7,-33.5],[-70.7,-33.6]]]})");
  Reply bad = api().Call("POST", "/api/v1/areas",
                         Api::Obj({{"code", "BOW"}, {"name", "bow tie"}, {"kind", "neighbourhood"}, {"parent", "13130"},
                                   {"geometry", bowtie}}),
                         root);
  EXPECT_EQ(bad.status, 422) << bad.body;
  json::value open_ring = json::parse(R"({"type":"Polygon","coordinates":[[[-70.7,-33.6],[-70.6,-33.5],[-70.6,-33.6]]]})");
  EXPECT_EQ(api().Call("POST", "/api/v1/areas",
                       Api::Obj({{"code", "OPEN"}, {"name", "open"}, {"kind", "neighbourhood"}, {"parent", "13130"},
                                 {"geometry", open_ring}}),
                       root)
                .status,
            422);
  Reply dup = api().Call("POST", "/api/v1/areas",
                         Api::Obj({{"code", "13130"}, {"name", "dup"}, {"kind", "sector"}, {"parent", "RM"},
                                   {"geometry", ComunaGeometry("San Miguel")}}),
                         root);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/areas/RM", "", root).status, 409);  // has children
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- tests that need their own server ---------------------------------------------------

class OwnServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("centinela-own-" + GetParam());
    db_ = std::make_unique<TestDatabase>(GetParam(), dir_);
    if (!db_->available()) GTEST_SKIP() << db_->reason();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<TestDatabase> db_;
};

// `centinela audit verify` walks the chain and names the first row edited behind its back.
TEST_P(OwnServerTest, AuditVerifyFindsARowEditedBehindTheServersBack) {
  for (int i = 0; i < 3; ++i) {
    CommandResult add = RunCentinela({"user", "add", "--email", "u" + std::to_string(i) + "@test.cl", "--password",
                                      kPassword, "--db", db_->url(), "--data-dir", dir_});
    ASSERT_EQ(add.exit_code, 0) << add.output;
  }
  CommandResult ok = RunCentinela({"audit", "verify", "--db", db_->url(), "--data-dir", dir_});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("ok: 3 events"), std::string::npos) << ok.output;

  db_->Exec("UPDATE events SET payload = '{\"tampered\":true}' WHERE seq = 2");
  CommandResult broken = RunCentinela({"audit", "verify", "--db", db_->url(), "--data-dir", dir_});
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("seq 2"), std::string::npos) << broken.output;
}

// A burst of writes from many clients, the server killed with SIGKILL in the middle: after a
// restart every write that was acknowledged with 200 is there, and the chain is intact.
TEST_P(OwnServerTest, KillDashNineLosesNoAcknowledgedWrite) {
  ServerProcess server(dir_, db_->url());
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  constexpr int kClients = 16;
  std::vector<std::string> tokens;
  for (int c = 0; c < kClients; ++c) {
    std::string email = "burst" + std::to_string(c) + "@test.cl";
    ASSERT_EQ(api.Call("POST", "/api/v1/auth/register", Api::Obj({{"email", email}, {"password", kPassword}})).status, 201);
    tokens.push_back(api.Login(email, kPassword));
    ASSERT_FALSE(tokens.back().empty());
  }
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        HttpClient client("127.0.0.1", static_cast<uint16_t>(server.port()));
        for (int i = 0; !stop; ++i) {
          std::string name = "w-" + std::to_string(c) + "-" + std::to_string(i);
          auto r = client.Request("PATCH", "/api/v1/me", Api::Obj({{"display_name", name}}),
                                  {{"Authorization", "Bearer " + tokens[static_cast<size_t>(c)]},
                                   {"Content-Type", "application/json"}});
          ++sent;
          if (r.status == 200) {
            std::lock_guard lock(mu);
            acknowledged.push_back(name);
          }
        }
      } catch (...) {
        // the connection dies with the server: writes in flight were never acknowledged
      }
    });
  }
  while (sent < 3000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.Kill();
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_GT(acknowledged.size(), 1000u);

  ServerProcess restarted(dir_, db_->url());
  ASSERT_TRUE(restarted.Start()) << restarted.output();
  auto payloads = db_->Column("SELECT payload FROM events WHERE type = 'user.profile_updated'");
  std::set<std::string> durable;
  for (const std::string& p : payloads) {
    json::value v = json::parse(p);
    if (v.is_object() && v.as_object().contains("display_name"))
      durable.insert(std::string(v.at("display_name").as_string()));
  }
  size_t missing = 0;
  for (const std::string& name : acknowledged)
    if (!durable.count(name)) ++missing;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  restarted.Stop();
  CommandResult audit = RunCentinela({"audit", "verify", "--db", db_->url(), "--data-dir", dir_});
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
}

// SIGTERM drains and exits 0; the log says so.
TEST_P(OwnServerTest, SigtermStopsCleanly) {
  ServerProcess server(dir_, db_->url());
  ASSERT_TRUE(server.Start()) << server.output();
  EXPECT_EQ(server.Stop(), 0) << server.output();
  EXPECT_NE(server.output().find("stopped cleanly"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, OwnServerTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// `serve --demo`: the South Precinct with its seven comunas and the printed logins work;
// starting again over the same data is idempotent.
TEST(Demo, LoadsTheSouthPrecinctAndItsLoginsWork) {
  std::string dir = MakeTempDir("centinela-demo");
  for (int run = 0; run < 2; ++run) {
    ServerProcess server(dir, "", {"--demo"});
    ASSERT_TRUE(server.Start(60000)) << server.output();
    EXPECT_NE(server.output().find("admin@centinela.demo"), std::string::npos);
    Api api(server.port());
    std::string token = api.Login("admin@centinela.demo", "demo-admin-2026");
    ASSERT_FALSE(token.empty());
    Reply list = api.Call("GET", "/api/v1/areas", "", token);
    ASSERT_EQ(list.status, 200);
    ASSERT_EQ(list.Json().at("areas").as_array().size(), 8u);
    Reply sur = api.Call("GET", "/api/v1/areas/SUR", "", token);
    EXPECT_EQ(sur.Json().at("population").as_int64(), 831876);
    Reply at = api.Call("GET", "/api/v1/areas/at?lat=-33.4966&lon=-70.6516", "", token);
    auto areas = at.Json().at("areas").as_array();
    ASSERT_EQ(areas.size(), 2u) << at.body;
    EXPECT_EQ(areas[0].at("code").as_string(), "SUR");
    EXPECT_EQ(areas[1].at("code").as_string(), "13130");
    EXPECT_FALSE(api.Login("operador@centinela.demo", "demo-operador-2026").empty());
    EXPECT_EQ(server.Stop(), 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace centinela::testing
