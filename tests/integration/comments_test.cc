// Comments, "I saw it too" confirmations, flags and comment moderation over loopback
// against the real binary, on SQLite and PostgreSQL: a neighbour cannot read or post on a
// restricted report it cannot see (404), hidden comments disappear for neighbours while
// covering staff see them marked, one confirmation per user, the comment rate limit (429
// with Retry-After) and the report's counters.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "db_access.h"
#include "server_process.h"
#include "support/http_client.h"

namespace centinela::testing {
using test::HttpClient;
namespace {

namespace json = boost::json;

constexpr const char* kRootPassword = "root-password-1234";
constexpr const char* kPassword = "a-long-password-99";
constexpr double kSanMiguelLat = -33.4960, kSanMiguelLon = -70.6510;
constexpr int kCommentsPerMinute = 4;

struct Reply {
  int status = 0;
  std::string body;
  test::HeaderList headers;
  json::value Json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    return ec ? json::value() : v;
  }
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

std::string Obj(const json::object& o) { return json::serialize(o); }

class Api {
 public:
  explicit Api(int port) : port_(port) {}
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "") {
    HttpClient client("127.0.0.1", static_cast<uint16_t>(port_));
    test::HeaderList headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto r = client.Request(method, target, body, headers);
    return Reply{r.status, r.body, r.headers};
  }
  std::string Login(const std::string& login, const std::string& password) {
    Reply r = Call("POST", "/api/v1/auth/login", Obj({{"login", login}, {"password", password}}));
    if (r.status != 200) return "";
    return std::string(r.Json().at("token").as_string());
  }
  std::pair<std::string, std::string> Neighbour(const std::string& email, const std::string& name) {
    Reply r = Call("POST", "/api/v1/auth/register",
                   Obj({{"email", email}, {"password", kPassword}, {"display_name", name}}));
    if (r.status != 201) return {};
    return {std::string(r.Json().at("id").as_string()), Login(email, kPassword)};
  }
  std::pair<std::string, std::string> Staff(const std::string& root, const std::string& email,
                                            json::array roles) {
    Reply r = Call("POST", "/api/v1/users",
                   Obj({{"email", email}, {"password", kPassword}, {"roles", roles}}), root);
    if (r.status != 201) {
      ADD_FAILURE() << r.body;
      return {};
    }
    return {std::string(r.Json().at("id").as_string()), Login(email, kPassword)};
  }

 private:
  int port_;
};

json::value Box(double min_lon, double min_lat, double max_lon, double max_lat) {
  return json::value{
      {"type", "Polygon"},
      {"coordinates",
       json::array{json::array{json::array{min_lon, min_lat}, json::array{max_lon, min_lat},
                               json::array{max_lon, max_lat}, json::array{min_lon, max_lat},
                               json::array{min_lon, min_lat}}}}};
}

void Approve(TestDatabase& db, const std::string& user_id, const std::string& area) {
  db.Exec(
      "INSERT INTO memberships (id, user_id, area_code, address, home_lat, home_lon, id_type, "
      "id_number, status, created_ms) VALUES ('m-" +
      user_id + "', '" + user_id + "', '" + area +
      "', 'Calle 1', -33.5, -70.65, 'rut', '11111111-1', 'approved', 0)");
}

struct Deployment {
  std::string dir;
  std::unique_ptr<TestDatabase> db;
  std::unique_ptr<ServerProcess> server;
  std::string root;
  std::pair<std::string, std::string> reporter, member, member2, chatty, op_in, op_out;
};

std::map<std::string, std::unique_ptr<Deployment>>& Deployments() {
  static std::map<std::string, std::unique_ptr<Deployment>> d;
  return d;
}

class CommentsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto& slot = Deployments()[GetParam()];
    if (!slot) {
      auto d = std::make_unique<Deployment>();
      d->dir = MakeTempDir("centinela-comments-" + GetParam());
      d->db = std::make_unique<TestDatabase>(GetParam(), d->dir);
      if (!d->db->available()) GTEST_SKIP() << d->db->reason();
      CommandResult add =
          RunCentinela({"user", "add", "--email", "root@test.cl", "--password", kRootPassword,
                        "--role", "admin", "--db", d->db->url(), "--data-dir", d->dir});
      ASSERT_EQ(add.exit_code, 0) << add.output;
      d->server = std::make_unique<ServerProcess>(
          d->dir, d->db->url(), std::vector<std::string>{},
          std::vector<std::string>{
              "CENTINELA_AUTH_LOGIN_MAX_FAILURES_PER_IP=100000",
              "CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
              "CENTINELA_COMMUNITY_COMMENTS_PER_MINUTE=" + std::to_string(kCommentsPerMinute)});
      ASSERT_TRUE(d->server->Start()) << d->server->output();
      Api api(d->server->port());
      d->root = api.Login("root@test.cl", kRootPassword);
      ASSERT_FALSE(d->root.empty());
      Reply r = api.Call("POST", "/api/v1/areas",
                         Obj({{"code", "RM"},
                              {"name", "Región Metropolitana (test box)"},
                              {"kind", "region"},
                              {"geometry", Box(-70.80, -33.70, -70.50, -33.40)}}),
                         d->root);
      ASSERT_EQ(r.status, 201) << r.body;
      r = api.Call("POST", "/api/v1/areas",
                   Obj({{"code", "SM"},
                        {"name", "San Miguel (test box)"},
                        {"kind", "sector"},
                        {"parent", "RM"},
                        {"geometry", Box(-70.66, -33.51, -70.64, -33.48)}}),
                   d->root);
      ASSERT_EQ(r.status, 201) << r.body;
      r = api.Call("POST", "/api/v1/areas",
                   Obj({{"code", "LC"},
                        {"name", "La Cisterna (test box)"},
                        {"kind", "sector"},
                        {"parent", "RM"},
                        {"geometry", Box(-70.68, -33.55, -70.64, -33.52)}}),
                   d->root);
      ASSERT_EQ(r.status, 201) << r.body;
      d->reporter = api.Neighbour("reporter@test.cl", "Rosa Reportera");
      d->member = api.Neighbour("member@test.cl", "Vecina San Miguel");
      d->member2 = api.Neighbour("member2@test.cl", "Vecino San Miguel");
      d->chatty = api.Neighbour("chatty@test.cl", "Vecino Conversador");
      ASSERT_FALSE(d->reporter.second.empty() || d->member.second.empty() ||
                   d->member2.second.empty() || d->chatty.second.empty());
      Approve(*d->db, d->member.first, "SM");
      Approve(*d->db, d->member2.first, "SM");
      Approve(*d->db, d->chatty.first, "SM");
      d->op_in = api.Staff(d->root, "op.sm@test.cl",
                           json::array{json::object{{"role", "operator"}, {"area", "SM"}}});
      d->op_out = api.Staff(d->root, "op.lc@test.cl",
                            json::array{json::object{{"role", "operator"}, {"area", "LC"}}});
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
  std::string Post(const std::string& category, bool anonymous = false) {
    Reply r = api().Call("POST", "/api/v1/reports",
                         Obj({{"category", category},
                              {"lat", kSanMiguelLat},
                              {"lon", kSanMiguelLon},
                              {"description", "test"},
                              {"anonymous", anonymous}}),
                         dep_->reporter.second);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : "";
  }
  Reply Comment(const std::string& report, const std::string& text, const std::string& token) {
    return api().Call("POST", "/api/v1/reports/" + report + "/comments", Obj({{"body", text}}),
                      token);
  }
  json::array Comments(const std::string& report, const std::string& token) {
    Reply r = api().Call("GET", "/api/v1/reports/" + report + "/comments", "", token);
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = r.Json();
    return v.is_object() ? v.at("comments").as_array() : json::array();
  }
  json::value Report(const std::string& id, const std::string& token) {
    return api().Call("GET", "/api/v1/reports/" + id, "", token).Json();
  }
  Deployment* dep_ = nullptr;
};

TEST_P(CommentsTest, RestrictedReportCommentsAreInvisibleToTheCommunity) {
  const std::string id = Post("violencia_intrafamiliar");
  ASSERT_FALSE(id.empty());
  Reply r = Comment(id, "la policía ya viene", dep_->op_in.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string comment = std::string(r.Json().at("id").as_string());
  for (const std::string* token : {&dep_->member.second, &dep_->op_out.second}) {
    EXPECT_EQ(api().Call("GET", "/api/v1/reports/" + id + "/comments", "", *token).status, 404);
    EXPECT_EQ(Comment(id, "¿qué pasó?", *token).status, 404);
    EXPECT_EQ(api().Call("POST", "/api/v1/reports/" + id + "/confirmations", "", *token).status,
              404);
    EXPECT_EQ(api()
                  .Call("POST", "/api/v1/flags",
                        Obj({{"target", "comment:" + comment}, {"reason", "spam"}}), *token)
                  .status,
              404);
  }
  EXPECT_EQ(Comments(id, dep_->reporter.second).size(), 1u);
  EXPECT_EQ(api().Call("GET", "/api/v1/reports/ffffffff/comments", "", dep_->root).status, 404);
}

TEST_P(CommentsTest, CommentsCountAndValidate) {
  const std::string id = Post("robo");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Comment(id, "", dep_->member.second).status, 422);
  EXPECT_EQ(Comment(id, std::string(1001, 'x'), dep_->member.second).status, 422);
  Reply r = Comment(id, "se fueron hacia Gran Avenida", dep_->member.second);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json().at("author").at("display_name").as_string(), "Vecina San Miguel");
  ASSERT_EQ(Comment(id, "un auto blanco", dep_->member2.second).status, 201);
  json::array list = Comments(id, dep_->member.second);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("body").as_string(), "se fueron hacia Gran Avenida");
  EXPECT_EQ(Report(id, dep_->member.second).at("comments").as_int64(), 2);
  // Pages: one at a time, the cursor continues.
  Reply page =
      api().Call("GET", "/api/v1/reports/" + id + "/comments?limit=1", "", dep_->member.second);
  ASSERT_EQ(page.status, 200);
  ASSERT_TRUE(page.Json().at("next_cursor").is_string());
  Reply next = api().Call("GET",
                          "/api/v1/reports/" + id + "/comments?limit=1&cursor=" +
                              std::string(page.Json().at("next_cursor").as_string()),
                          "", dep_->member.second);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.Json().at("comments").as_array()[0].at("body").as_string(), "un auto blanco");
}

TEST_P(CommentsTest, AnonymousReporterIsNotNamedByTheirComments) {
  const std::string id = Post("robo", /*anonymous=*/true);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Comment(id, "eran dos", dep_->reporter.second).status, 201);
  json::array list = Comments(id, dep_->member.second);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].at("author").is_null());
  EXPECT_TRUE(list[0].at("by_reporter").as_bool());
  EXPECT_EQ(json::serialize(list).find("Rosa"), std::string::npos);
}

TEST_P(CommentsTest, HiddenCommentsDisappearForNeighboursButStaffSeeThemMarked) {
  const std::string id = Post("robo");
  ASSERT_FALSE(id.empty());
  Reply r = Comment(id, "insulto", dep_->member2.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string comment = std::string(r.Json().at("id").as_string());
  Reply flag = api().Call("POST", "/api/v1/flags",
                          Obj({{"target", "comment:" + comment}, {"reason", "ofensivo"}}),
                          dep_->member.second);
  EXPECT_EQ(flag.status, 201) << flag.body;
  flag = api().Call("POST", "/api/v1/flags",
                    Obj({{"target", "comment:" + comment}, {"reason", "ofensivo"}}),
                    dep_->member.second);
  EXPECT_EQ(flag.status, 200) << flag.body;
  EXPECT_TRUE(flag.Json().at("already").as_bool());
  EXPECT_EQ(api()
                .Call("POST", "/api/v1/flags", Obj({{"target", "user:x"}, {"reason", "x"}}),
                      dep_->member.second)
                .status,
            422);

  const std::string hide = "/api/v1/comments/" + comment + "/hide";
  EXPECT_EQ(api().Call("POST", hide, Obj({{"reason", "x"}}), dep_->member.second).status, 403);
  EXPECT_EQ(api().Call("POST", hide, Obj({{"reason", "x"}}), dep_->op_out.second).status, 404);
  r = api().Call("POST", hide, Obj({{"reason", "lenguaje ofensivo"}}), dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().at("hidden").as_bool());

  EXPECT_TRUE(Comments(id, dep_->member.second).empty());
  EXPECT_TRUE(Comments(id, dep_->member2.second).empty());
  // The report detail embeds the same filtered first page.
  EXPECT_TRUE(Report(id, dep_->member.second).at("thread").at("comments").as_array().empty());
  EXPECT_EQ(Report(id, dep_->op_in.second).at("thread").at("comments").as_array().size(), 1u);
  for (const std::string* staff : {&dep_->op_in.second, &dep_->root}) {
    json::array list = Comments(id, *staff);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].at("hidden").as_bool());
    EXPECT_EQ(list[0].at("hidden_reason").as_string(), "lenguaje ofensivo");
  }
  // Kept in the table, and the hide is in the event log.
  auto rows = dep_->db->Column("SELECT hidden FROM comments WHERE id = '" + comment + "'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "1");
  EXPECT_EQ(dep_->db
                ->Column("SELECT seq FROM events WHERE type = 'comment.hidden' AND subject = "
                         "'comment:" +
                         comment + "'")
                .size(),
            1u);

  r = api().Call("POST", "/api/v1/comments/" + comment + "/unhide", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Comments(id, dep_->member.second).size(), 1u);
}

TEST_P(CommentsTest, OneConfirmationPerUserAndNotByTheReporter) {
  const std::string id = Post("persona_sospechosa");
  ASSERT_FALSE(id.empty());
  const std::string path = "/api/v1/reports/" + id + "/confirmations";
  EXPECT_EQ(api().Call("POST", path, "", dep_->reporter.second).status, 422);
  Reply r = api().Call("POST", path, "", dep_->member.second);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.Json().at("already").as_bool());
  r = api().Call("POST", path, "", dep_->member.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().at("already").as_bool());
  ASSERT_EQ(api().Call("POST", path, "", dep_->member2.second).status, 201);
  EXPECT_EQ(Report(id, dep_->member.second).at("confirmations").as_int64(), 2);
  EXPECT_EQ(dep_->db
                ->Column("SELECT seq FROM events WHERE type = 'report.confirmed' AND subject = "
                         "'report:" +
                         id + "'")
                .size(),
            2u);
}

TEST_P(CommentsTest, CommentRateLimitAnswers429WithRetryAfter) {
  const std::string id = Post("ruidos_molestos");
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < kCommentsPerMinute; ++i)
    ASSERT_EQ(Comment(id, "mensaje " + std::to_string(i), dep_->chatty.second).status, 201);
  Reply r = Comment(id, "uno más", dep_->chatty.second);
  EXPECT_EQ(r.status, 429) << r.body;
  const int retry = std::atoi(r.Header("retry-after").c_str());
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(Report(id, dep_->chatty.second).at("comments").as_int64(), kCommentsPerMinute);
}

INSTANTIATE_TEST_SUITE_P(Backends, CommentsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace centinela::testing
