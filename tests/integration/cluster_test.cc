// Two `centinela serve` processes on one PostgreSQL database (issue 4, item 6): a client
// subscribed on node B sees what is written through node A, in seq order; after node B is
// restarted, a client resuming with since=<last seq it saw> receives exactly the events
// written on A meanwhile (no gap, no duplicate), then live ones again. PostgreSQL only
// (skipped without CENTINELA_TEST_PG_URL): SQLite has one process per database.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api_client.h"
#include "support/stream_client.h"

namespace centinela::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kEnv = {
    "CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
    "CENTINELA_AUTH_LOGIN_MAX_FAILURES_PER_IP=100000", "CENTINELA_LOG_ACCESS=false"};

struct Seen {
  int64_t seq = 0;
  std::string type;
  std::string report_id;  // data.id of report.* events
};

//! Next event message (hello and other control messages skipped), or nullopt after `wait`.
std::optional<Seen> NextEvent(test::WsStreamClient& ws, std::chrono::milliseconds wait,
                              int64_t* hello_seq = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto m = ws.Next(left);
    if (!m) return std::nullopt;
    json::value v = json::parse(m->text);
    const json::object& o = v.as_object();
    const std::string type(o.at("type").as_string());
    if (type == "hello") {
      if (hello_seq) *hello_seq = o.at("seq").to_number<int64_t>();
      continue;
    }
    if (!o.contains("data")) continue;  // other control messages
    Seen s;
    s.seq = o.at("seq").to_number<int64_t>();
    s.type = type;
    if (const json::value* d = o.at("data").as_object().if_contains("id"); d && d->is_string())
      s.report_id = std::string(d->as_string());
    return s;
  }
}

//! Next report.created message; other events the neighbour may see (its own session.created,
//! committed on A just before) are skipped, but their seqs must still grow.
std::optional<Seen> NextReport(test::WsStreamClient& ws, std::chrono::milliseconds wait,
                               int64_t* prev_seq, int64_t* hello_seq = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto e = NextEvent(ws, left, hello_seq);
    if (!e) return std::nullopt;
    EXPECT_GT(e->seq, *prev_seq) << "a duplicate, a reordering or an event from before since";
    *prev_seq = e->seq;
    if (e->type == "report.created") return e;
  }
}

class ClusterTest : public OwnDatabaseTest {
 protected:
  std::string PublicCategory(const Api& api, const std::string& token) {
    Reply r = api.Call("GET", "/api/v1/categories", "", token);
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value doc = r.Json();
    for (const json::value& c : doc.at("categories").as_array()) {
      const json::object& o = c.as_object();
      if (o.at("active").as_bool() && o.at("sensitivity").as_string() == "public")
        return std::string(o.at("code").as_string());
    }
    ADD_FAILURE() << "no active public category";
    return {};
  }

  //! POST /api/v1/reports through `api`; the new report's id.
  std::string Report(const Api& api, const std::string& token, const std::string& category, int i) {
    Reply r = api.Call("POST", "/api/v1/reports",
                       Api::Obj({{"category", category},
                                 {"lat", -33.4966},
                                 {"lon", -70.6516},
                                 {"description", "cluster " + std::to_string(i)}}),
                       token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : std::string();
  }
};

TEST_P(ClusterTest, NodeBDeliversWritesOfNodeAAndResumesAcrossItsRestart) {
  ServerProcess a(dir_ + "/a", db_->url(), {}, kEnv);
  ServerProcess b(dir_ + "/b", db_->url(), {}, kEnv);
  ASSERT_TRUE(a.Start()) << a.output();
  ASSERT_TRUE(b.Start()) << b.output();
  const Api on_a(a.port());
  Account neighbour = on_a.Neighbour("vecina-cluster@test.cl");
  ASSERT_FALSE(neighbour.second.empty());
  const std::string category = PublicCategory(on_a, neighbour.second);
  ASSERT_FALSE(category.empty());

  // Subscribed on B, written on A.
  std::vector<std::string> ids;
  int64_t last_seq = 0;
  {
    test::WsStreamClient ws(static_cast<uint16_t>(b.port()));
    std::string error;
    test::StreamConnectOptions opts;
    opts.token = neighbour.second;
    ASSERT_TRUE(ws.Connect(opts, &error)) << error;
    int64_t hello = -1;
    for (int i = 0; i < 5; ++i) ids.push_back(Report(on_a, neighbour.second, category, i));
    for (int i = 0; i < 5; ++i) {
      auto e = NextReport(ws, 10s, &last_seq, &hello);
      ASSERT_TRUE(e) << "report " << i << " written on A never reached B\n" << b.output();
      EXPECT_EQ(e->report_id, ids[static_cast<size_t>(i)]) << "out of order or a stranger";
    }
    EXPECT_GE(hello, 0) << "no hello message first";
    EXPECT_LT(hello, last_seq);
    ws.Close();
  }

  // Node B goes away; A keeps writing; B comes back and the client resumes from last_seq.
  ASSERT_EQ(b.Stop(), 0) << b.output();
  std::vector<std::string> missed;
  for (int i = 5; i < 12; ++i) missed.push_back(Report(on_a, neighbour.second, category, i));
  ServerProcess b2(dir_ + "/b", db_->url(), {}, kEnv);
  ASSERT_TRUE(b2.Start()) << b2.output();
  test::WsStreamClient ws(static_cast<uint16_t>(b2.port()));
  std::string error;
  test::StreamConnectOptions resume;
  resume.token = neighbour.second;
  resume.since = last_seq;
  ASSERT_TRUE(ws.Connect(resume, &error)) << error;
  std::vector<std::string> got;
  int64_t prev = last_seq;
  while (got.size() < missed.size()) {
    auto e = NextReport(ws, 10s, &prev);
    ASSERT_TRUE(e) << "resume stopped after " << got.size() << " of " << missed.size() << "\n"
                   << b2.output();
    got.push_back(e->report_id);
  }
  EXPECT_EQ(got, missed);
  // Then live again, still written on A: exactly the next one.
  const std::string live = Report(on_a, neighbour.second, category, 99);
  auto e = NextReport(ws, 10s, &prev);
  ASSERT_TRUE(e) << "live event after the resume never arrived";
  EXPECT_EQ(e->report_id, live);
  EXPECT_FALSE(NextReport(ws, 300ms, &prev)) << "a report delivered twice";
  ws.Close();
  EXPECT_EQ(b2.Stop(), 0) << b2.output();
  EXPECT_EQ(a.Stop(), 0) << a.output();
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterTest, ::testing::Values(std::string("postgresql")),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
