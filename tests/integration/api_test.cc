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

#include "api_client.h"

namespace centinela::testing {
using test::HttpClient;
namespace {

// A rectangle around the South Precinct: the root area of the test tree.
json::value RegionBox() { return Box(-70.80, -33.70, -70.50, -33.40); }

// ---- one server per backend, shared by the API tests -----------------------------------

struct ApiDeployment : Deployment {
  std::string root_token, operator_token, area_admin_token, neighbour_token;
  std::string neighbour_id, operator_id;
};

class ApiTest : public DeployedTest<ApiDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-api"; }
  void Populate(ApiDeployment& d) override {
    const Api api = this->api();
    d.root_token = d.root;
    // Area tree: RM (region box) > 13130 San Miguel, 13109 La Cisterna (real boundaries).
    api.AddArea(d.root, {{"code", "RM"},
                         {"name", "Región Metropolitana (test box)"},
                         {"kind", "region"},
                         {"population", 1000},
                         {"geometry", RegionBox()}});
    api.AddComunaSectors(d.root, {{"population", 100000},
                                  {"agencies", json::array{"police", "fire"}}});
    // Staff created by the admin through the API, scoped to San Miguel.
    Account op = api.Staff(d.root, "operador@test.cl", "operator", "13130");
    Account area_admin = api.Staff(d.root, "admin.sm@test.cl", "admin", "13130");
    Account vecina = api.Neighbour("vecina@test.cl");
    d.operator_id = op.first;
    d.operator_token = op.second;
    d.area_admin_token = area_admin.second;
    d.neighbour_id = vecina.first;
    d.neighbour_token = vecina.second;
    ASSERT_FALSE(d.operator_token.empty() || d.area_admin_token.empty() ||
                 d.neighbour_token.empty());
  }
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
  Reply wrong_type = api().Call("PATCH", "/api/v1/me", "display_name=x", t,
                                    {{"Content-Type", "application/x-www-form-urlencoded"}});
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
  EXPECT_NE(method.Header("allow").find("GET"), std::string::npos);
  Reply semantic = api().Call("PATCH", "/api/v1/me", Api::Obj({{"locale", "klingon"}}), t);
  EXPECT_EQ(semantic.status, 422);
  EXPECT_EQ(semantic.ErrorCode(), "unprocessable");
  Reply not_object = api().Call("PATCH", "/api/v1/me", "[1,2]", t);
  EXPECT_EQ(not_object.status, 422);
  // Registering an existing email answers like a new registration (no enumeration).
  Reply dup = api().Call("POST", "/api/v1/auth/register", Api::Obj({{"email", "vecina@test.cl"}, {"password", kPassword}}));
  EXPECT_EQ(dup.status, 201) << dup.body;
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

// DELETE /users/{id}/grants takes a grant away (scoped like granting, the change is seen by
// the user's live token at once); GET /users?q= finds users by email, phone or name.
TEST_P(ApiTest, GrantsAreRemovedInScopeAndUsersAreSearched) {
  const std::string email = "quitar-" + GetParam() + "@test.cl";
  Account resp = api().Staff(dep_->root_token, email, "responder", "13130");
  ASSERT_FALSE(resp.second.empty());
  auto roles_of = [&](const std::string& token) {
    std::set<std::string> out;
    Reply me = api().Call("GET", "/api/v1/me", "", token);
    EXPECT_EQ(me.status, 200) << me.body;
    if (me.status != 200) return out;
    const json::value doc = me.Json();
    for (const json::value& g : doc.at("roles").as_array())
      out.insert(std::string(g.at("role").as_string()) + "@" +
                 (g.at("area").is_null() ? std::string("-") : std::string(g.at("area").as_string())));
    return out;
  };
  ASSERT_EQ(roles_of(resp.second).count("responder@13130"), 1u);
  const std::string path = "/api/v1/users/" + resp.first + "/grants";
  // Not an admin, outside the admin's grant, malformed.
  EXPECT_EQ(api().Call("DELETE", path + "?role=responder&area=13130", "", dep_->operator_token).status, 403);
  EXPECT_EQ(api().Call("DELETE", path + "?role=responder&area=13109", "", dep_->area_admin_token).status, 403);
  EXPECT_EQ(api().Call("DELETE", path + "?role=responder", "", dep_->area_admin_token).status, 422);
  EXPECT_EQ(api().Call("DELETE", path + "?role=chief&area=13130", "", dep_->area_admin_token).status, 422);
  EXPECT_EQ(roles_of(resp.second).count("responder@13130"), 1u);
  // The San Miguel admin removes it; the token in use loses the role at once.
  Reply removed = api().Call("DELETE", path + "?role=responder&area=13130", "", dep_->area_admin_token);
  ASSERT_EQ(removed.status, 200) << removed.body;
  const json::value after = removed.Json();
  for (const json::value& g : after.at("roles").as_array())
    EXPECT_NE(g.at("role").as_string(), "responder");
  EXPECT_EQ(roles_of(resp.second).count("responder@13130"), 0u);
  Reply again = api().Call("DELETE", path + "?role=responder&area=13130", "", dep_->area_admin_token);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.ErrorCode(), "not_found");
  EXPECT_EQ(api().Call("DELETE", "/api/v1/users/0123456789abcdef0123456789abcdef/grants?role=responder&area=13130", "",
                       dep_->area_admin_token)
                .status,
            404);
  // Granting it back works, and an admin may not drop its own admin grant.
  EXPECT_EQ(api().Call("POST", path, Api::Obj({{"role", "responder"}, {"area", "13130"}}), dep_->area_admin_token).status,
            200);
  EXPECT_EQ(roles_of(resp.second).count("responder@13130"), 1u);
  Reply me = api().Call("GET", "/api/v1/me", "", dep_->area_admin_token);
  const std::string self = "/api/v1/users/" + std::string(me.Json().at("id").as_string()) + "/grants";
  EXPECT_EQ(api().Call("DELETE", self + "?role=admin&area=13130", "", dep_->area_admin_token).status, 409);
  auto events = dep_->db->Column("SELECT type FROM events WHERE type = 'grant.removed'");
  EXPECT_GE(events.size(), 1u);

  // Search: case-insensitive on the email; LIKE wildcards are literal.
  Reply found = api().Call("GET", "/api/v1/users?q=QUITAR-" + GetParam(), "", dep_->root_token);
  ASSERT_EQ(found.status, 200) << found.body;
  const json::value users = found.Json();
  ASSERT_EQ(users.at("users").as_array().size(), 1u);
  EXPECT_EQ(users.at("users").as_array()[0].at("email").as_string(), email);
  Reply wild = api().Call("GET", "/api/v1/users?q=%25", "", dep_->root_token);
  ASSERT_EQ(wild.status, 200);
  EXPECT_EQ(wild.Json().at("users").as_array().size(), 0u);
  Reply all = api().Call("GET", "/api/v1/users", "", dep_->root_token);
  EXPECT_GT(all.Json().at("users").as_array().size(), 3u);
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
  ASSERT_FALSE(locked.Header("retry-after").empty());
  EXPECT_GE(std::stoi(locked.Header("retry-after")), 1);
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
                         BackendName);

// ---- tests that need their own server ---------------------------------------------------

class OwnServerTest : public OwnDatabaseTest {};

// Keys of a JSON object answer, in order.
std::vector<std::string> Keys(const Reply& r) {
  std::vector<std::string> out;
  const json::value doc = r.Json();
  for (const auto& kv : doc.as_object()) out.emplace_back(kv.key());
  return out;
}

test::HeaderList From(const std::string& ip) { return {{"X-Forwarded-For", ip}}; }

// Lock-out as a weapon: an attacker's failures from one address never keep the owner, from
// another address, out; the attacker's address backs off, at most 15 minutes. The proxy on
// 127.0.0.1 is trusted, so X-Forwarded-For names each side's address.
TEST_P(OwnServerTest, AttackersFailuresDoNotLockTheOwnerOut) {
  ServerProcess server(dir_, db_->url(), {}, {"CENTINELA_SERVER_TRUSTED_PROXIES=127.0.0.1/32"});
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  const std::string email = "operadora@test.cl";
  ASSERT_EQ(api.Call("POST", "/api/v1/auth/register", Api::Obj({{"email", email}, {"password", kPassword}})).status, 201);
  const std::string wrong = Api::Obj({{"login", email}, {"password", "not-the-password"}});
  const std::string right = Api::Obj({{"login", email}, {"password", kPassword}});
  int refused = 0;
  for (int i = 0; i < 30; ++i) {
    Reply r = api.Call("POST", "/api/v1/auth/login", wrong, "", From("203.0.113.66"));
    if (r.status == 429) {
      ++refused;
      const int retry = std::stoi(r.Header("retry-after"));
      EXPECT_GE(retry, 1);
      EXPECT_LE(retry, 900);
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
    }
  }
  EXPECT_GE(refused, 25);  // slowed after 5 failures
  // The right password from the attacker's address is refused while it backs off...
  EXPECT_EQ(api.Call("POST", "/api/v1/auth/login", right, "", From("203.0.113.66")).status, 429);
  // ...and the owner, from an address with no failures, gets in at once.
  Reply owner = api.Call("POST", "/api/v1/auth/login", right, "", From("198.51.100.20"));
  EXPECT_EQ(owner.status, 200) << owner.body;
}

// X-Forwarded-For is ignored unless the peer is a trusted proxy (none by default): a forged
// header does not give a guesser a fresh address.
TEST_P(OwnServerTest, ForwardedForIsIgnoredFromAnUntrustedPeer) {
  ServerProcess server(dir_, db_->url());
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  const std::string email = "vecino@test.cl";
  ASSERT_EQ(api.Call("POST", "/api/v1/auth/register", Api::Obj({{"email", email}, {"password", kPassword}})).status, 201);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(api.Call("POST", "/api/v1/auth/login",
                       Api::Obj({{"login", email}, {"password", "not-the-password"}}), "",
                       From("203.0.113." + std::to_string(i + 1)))
                  .status,
              401);
  }
  // All five came from 127.0.0.1 whatever the header said.
  EXPECT_EQ(api.Call("POST", "/api/v1/auth/login", Api::Obj({{"login", email}, {"password", kPassword}}),
                     "", From("198.51.100.99"))
                .status,
            429);
}

// Registering an existing email answers exactly like a new registration and changes nothing
// of the existing account.
TEST_P(OwnServerTest, RegistrationDoesNotTellWhetherTheAccountExists) {
  ServerProcess server(dir_, db_->url());
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  Reply first = api.Call("POST", "/api/v1/auth/register",
                         Api::Obj({{"email", "ana@test.cl"}, {"password", kPassword}, {"display_name", "Ana"}}));
  ASSERT_EQ(first.status, 201) << first.body;
  Reply fresh = api.Call("POST", "/api/v1/auth/register",
                         Api::Obj({{"email", "bea@test.cl"}, {"password", kPassword}, {"display_name", "Bea"}}));
  ASSERT_EQ(fresh.status, 201) << fresh.body;
  const std::string other_password = "otra-clave-larga-2026";
  Reply again = api.Call("POST", "/api/v1/auth/register",
                         Api::Obj({{"email", "ANA@test.cl"}, {"password", other_password}, {"display_name", "Intrusa"}}));
  EXPECT_EQ(again.status, fresh.status) << again.body;
  EXPECT_EQ(Keys(again), Keys(fresh));
  EXPECT_EQ(again.Json().at("roles"), fresh.Json().at("roles"));
  EXPECT_EQ(again.Json().at("display_name").as_string(), "Intrusa");  // echoes what was sent
  EXPECT_NE(again.Json().at("id"), first.Json().at("id"));
  EXPECT_EQ(again.Header("content-type"), fresh.Header("content-type"));
  // The existing account is untouched: its password still works, the new one does not.
  const std::string token = api.Login("ana@test.cl", kPassword);
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(api.Login("ana@test.cl", other_password).empty());
  Reply me = api.Call("GET", "/api/v1/me", "", token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.Json().at("display_name").as_string(), "Ana");
  EXPECT_EQ(db_->Column("SELECT count(*) FROM users WHERE email = 'ana@test.cl'"),
            std::vector<std::string>{"1"});
}

// Registration is rate-limited per client address (here 3 a minute).
TEST_P(OwnServerTest, RegistrationIsRateLimitedPerAddress) {
  ServerProcess server(dir_, db_->url(), {},
                       {"CENTINELA_SERVER_TRUSTED_PROXIES=127.0.0.1/32",
                        "CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP=3"});
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  auto reg = [&](int i, const std::string& ip) {
    return api.Call("POST", "/api/v1/auth/register",
                    Api::Obj({{"email", "r" + std::to_string(i) + "@test.cl"}, {"password", kPassword}}),
                    "", From(ip));
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reg(i, "203.0.113.7").status, 201);
  Reply limited = reg(3, "203.0.113.7");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.ErrorCode(), "rate_limited");
  EXPECT_GE(std::stoi(limited.Header("retry-after")), 1);
  EXPECT_EQ(reg(4, "198.51.100.8").status, 201);  // another address is not affected
  // The refused registration created nothing.
  EXPECT_EQ(db_->Column("SELECT count(*) FROM users WHERE email = 'r3@test.cl'"),
            std::vector<std::string>{"0"});
}

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
  const std::vector<std::string> acknowledged =
      BurstThenKill(server, kClients, 3000, [&](int c, int i, HttpClient& http) -> std::string {
        std::string name = "w-" + std::to_string(c) + "-" + std::to_string(i);
        auto r = http.Request("PATCH", "/api/v1/me", Api::Obj({{"display_name", name}}),
                              {{"Authorization", "Bearer " + tokens[static_cast<size_t>(c)]},
                               {"Content-Type", "application/json"}});
        return r.status == 200 ? name : "";
      });
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
                         BackendName);

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
