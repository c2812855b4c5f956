// Comments, "I saw it too" confirmations, flags and comment moderation over loopback
// against the real binary, on SQLite and PostgreSQL: a neighbour cannot read or post on a
// restricted report it cannot see (404), hidden comments disappear for neighbours while
// covering staff see them marked, one confirmation per user, the comment rate limit (429
// with Retry-After) and the report's counters.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "api_client.h"

namespace centinela::testing {
namespace {

constexpr double kSanMiguelLat = -33.4960, kSanMiguelLon = -70.6510;
constexpr int kCommentsPerMinute = 4;

struct CommentsDeployment : Deployment {
  Account reporter, member, member2, chatty, op_in, op_out;
};

class CommentsTest : public DeployedTest<CommentsDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-comments"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
            "CENTINELA_COMMUNITY_COMMENTS_PER_MINUTE=" + std::to_string(kCommentsPerMinute)};
  }
  void Populate(CommentsDeployment& d) override {
    const Api api = this->api();
    api.AddBoxAreas(d.root, true);
    d.reporter = api.Neighbour("reporter@test.cl", "Rosa Reportera");
    d.member = api.Neighbour("member@test.cl", "Vecina San Miguel");
    d.member2 = api.Neighbour("member2@test.cl", "Vecino San Miguel");
    d.chatty = api.Neighbour("chatty@test.cl", "Vecino Conversador");
    ASSERT_FALSE(d.reporter.second.empty() || d.member.second.empty() || d.member2.second.empty() ||
                 d.chatty.second.empty());
    ApproveMember(*d.db, d.member.first, "SM");
    ApproveMember(*d.db, d.member2.first, "SM");
    ApproveMember(*d.db, d.chatty.first, "SM");
    d.op_in = api.Staff(d.root, "op.sm@test.cl", "operator", "SM");
    d.op_out = api.Staff(d.root, "op.lc@test.cl", "operator", "LC");
  }

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

// The staff's flag queue: covering operators list the flagged comments and reports of their
// area (grouped per target, with count and latest reason), page through it, and resolve it
// by dismissing or by hiding the comment; staff elsewhere and neighbours get nothing.
TEST_P(CommentsTest, FlagQueueIsAreaScopedPagedAndResolvable) {
  const std::string id = Post("robo");
  ASSERT_FALSE(id.empty());
  Account a = api().Neighbour("flag-a-" + GetParam() + "@test.cl");
  Account b = api().Neighbour("flag-b-" + GetParam() + "@test.cl");
  ASSERT_FALSE(a.second.empty() || b.second.empty());
  ApproveMember(*dep_->db, a.first, "SM");
  ApproveMember(*dep_->db, b.first, "SM");
  Reply r = Comment(id, "vendo cosas baratas", a.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string comment = "comment:" + std::string(r.Json().at("id").as_string());
  const std::string report = "report:" + id;
  auto flag = [&](const std::string& target, const std::string& reason, const Account& who) {
    Reply f = api().Call("POST", "/api/v1/flags", Obj({{"target", target}, {"reason", reason}}),
                         who.second);
    EXPECT_EQ(f.status, 201) << f.body;
  };
  flag(comment, "spam", b);
  // "Latest" is by flag time, kept in milliseconds: two flags in one millisecond tie.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  flag(comment, "publicidad", dep_->member);
  flag(report, "no ocurrió", b);

  // Every page of the open queue of SM, one item a page: no target twice, ours included.
  auto queue = [&](const std::string& area, const std::string& status, const std::string& token) {
    std::map<std::string, json::object> seen;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      Reply q = api().Call("GET",
                           "/api/v1/flags?area=" + area + "&status=" + status + "&limit=1" +
                               (cursor.empty() ? "" : "&cursor=" + cursor),
                           "", token);
      EXPECT_EQ(q.status, 200) << q.body;
      if (q.status != 200) break;
      const json::value doc = q.Json();
      EXPECT_LE(doc.at("flags").as_array().size(), 1u);
      for (const json::value& f : doc.at("flags").as_array())
        EXPECT_TRUE(seen.emplace(std::string(f.at("target").as_string()), f.as_object()).second)
            << "listed twice: " << f;
      if (doc.at("next_cursor").is_null()) break;
      cursor = std::string(doc.at("next_cursor").as_string());
    }
    return seen;
  };
  auto open = queue("SM", "open", dep_->op_in.second);
  ASSERT_TRUE(open.count(comment) && open.count(report));
  EXPECT_EQ(open[comment].at("count").as_int64(), 2);
  EXPECT_EQ(open[comment].at("kind").as_string(), "comment");
  EXPECT_EQ(open[comment].at("reason").as_string(), "publicidad");  // the latest
  EXPECT_EQ(open[comment].at("report_id").as_string(), id);
  EXPECT_EQ(open[comment].at("comment").at("body").as_string(), "vendo cosas baratas");
  EXPECT_EQ(open[report].at("count").as_int64(), 1);
  EXPECT_EQ(open[report].at("status").as_string(), "open");
  EXPECT_EQ(queue("RM", "open", dep_->root).count(comment), 1u);  // the region holds SM

  // Scope: staff of another sector see none of it and may not ask for SM; neighbours never.
  EXPECT_FALSE(queue("LC", "open", dep_->op_out.second).count(comment));
  EXPECT_EQ(api().Call("GET", "/api/v1/flags?area=SM", "", dep_->op_out.second).status, 403);
  EXPECT_EQ(api().Call("GET", "/api/v1/flags?area=SM", "", dep_->member.second).status, 403);
  EXPECT_EQ(api().Call("GET", "/api/v1/flags", "", dep_->op_in.second).status, 400);
  EXPECT_EQ(api().Call("GET", "/api/v1/flags?area=SM&cursor=zz", "", dep_->op_in.second).status,
            400);

  // Resolving: not by staff elsewhere or neighbours; dismiss the report's flag once.
  const std::string resolve = "/api/v1/flags/resolve";
  EXPECT_NE(api()
                .Call("POST", resolve, Obj({{"target", report}, {"action", "dismiss"}}),
                      dep_->op_out.second)
                .status,
            200);
  EXPECT_EQ(api()
                .Call("POST", resolve, Obj({{"target", report}, {"action", "dismiss"}}),
                      dep_->member.second)
                .status,
            403);
  EXPECT_EQ(
      api()
          .Call("POST", resolve, Obj({{"target", report}, {"action", "hide"}}), dep_->op_in.second)
          .status,
      422);  // only comments hide
  r = api().Call("POST", resolve, Obj({{"target", report}, {"action", "dismiss"}}),
                 dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("flags").as_int64(), 1);
  EXPECT_EQ(api()
                .Call("POST", resolve, Obj({{"target", report}, {"action", "dismiss"}}),
                      dep_->op_in.second)
                .status,
            409);
  // Hiding the comment resolves its flags and hides it from the neighbours.
  EXPECT_EQ(
      api()
          .Call("POST", resolve, Obj({{"target", comment}, {"action", "hide"}}), dep_->op_in.second)
          .status,
      422);  // hiding needs a reason
  r = api().Call("POST", resolve,
                 Obj({{"target", comment}, {"action", "hide"}, {"reason", "publicidad"}}),
                 dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("flags").as_int64(), 2);
  for (const json::value& c : Comments(id, dep_->member.second))
    EXPECT_NE("comment:" + std::string(c.at("id").as_string()), comment);
  open = queue("SM", "open", dep_->op_in.second);
  EXPECT_FALSE(open.count(comment) || open.count(report));
  auto resolved = queue("SM", "resolved", dep_->op_in.second);
  ASSERT_TRUE(resolved.count(comment) && resolved.count(report));
  EXPECT_EQ(resolved[comment].at("resolution").as_string(), "hidden");
  EXPECT_EQ(resolved[report].at("resolution").as_string(), "dismissed");
  EXPECT_EQ(resolved[report].at("resolved_by").as_string(), dep_->op_in.first);
  EXPECT_EQ(dep_->db
                ->Column("SELECT seq FROM events WHERE type = 'flag.resolved' AND subject = '" +
                         comment + "'")
                .size(),
            1u);
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
                         BackendName);

}  // namespace
}  // namespace centinela::testing
