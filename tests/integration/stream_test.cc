// The live stream against the real binary, on SQLite and PostgreSQL: who receives an alert
// (restricted: staff of the area, the chosen family, the reporter, no one else; public: the
// neighbourhood with a coarse location, not another neighbourhood), resume with since under
// concurrent writes (checked by seq against the event log), a slow consumer cut off with
// 4008 without delaying another client, SSE with Last-Event-ID, and 401s.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <thread>

#include "api_client.h"
#include "common/clock.h"
#include "community/visibility.h"
#include "support/stream_client.h"

namespace centinela::testing {
namespace {

using std::chrono::milliseconds;
using test::SseStreamClient;
using test::StreamConnectOptions;
using test::StreamMessage;
using test::WsStreamClient;

constexpr double kSanMiguelLat = -33.4960, kSanMiguelLon = -70.6510;
constexpr int kSlowQueue = 32;

struct StreamDeployment : Deployment {
  Account reporter, family, member, outsider, op_in, op_out, stranger;
};

json::object ReportBody(const std::string& category, bool anonymous = false, bool share = false) {
  return json::object{{"category", category},     {"lat", kSanMiguelLat},
                      {"lon", kSanMiguelLon},     {"accuracy", 8},
                      {"address", "Gran Avenida 5000"}, {"description", "en vivo"},
                      {"anonymous", anonymous},   {"share_with_family", share}};
}

json::object Parse(const StreamMessage& m) { return json::parse(m.text).as_object(); }
std::string Type(const StreamMessage& m) { return std::string(Parse(m).at("type").as_string()); }
int64_t Seq(const StreamMessage& m) {
  auto o = Parse(m);
  return o.contains("seq") ? o.at("seq").to_number<int64_t>() : 0;
}

class StreamTest : public DeployedTest<StreamDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-stream"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
            "CENTINELA_STREAM_MAX_QUEUE=" + std::to_string(kSlowQueue),
            "CENTINELA_STREAM_SEND_BUFFER_BYTES=8192",
            "CENTINELA_STREAM_WRITE_TIMEOUT_MS=30000"};
  }
  void Populate(StreamDeployment& d) override {
    const Api api = this->api();
    api.AddSouthSantiagoAreas(d.root);
    d.reporter = api.Neighbour("rep@stream.cl", "Rosa Reportera");
    d.family = api.Neighbour("hija@stream.cl", "Hija");
    d.member = api.Neighbour("member@stream.cl", "Vecina San Miguel");
    d.outsider = api.Neighbour("outsider@stream.cl", "Vecino La Cisterna");
    d.stranger = api.Neighbour("nadie@stream.cl", "Sin barrio");
    ASSERT_FALSE(d.reporter.second.empty() || d.family.second.empty() ||
                 d.member.second.empty() || d.outsider.second.empty());
    ApproveMember(*d.db, d.member.first, "13130");
    ApproveMember(*d.db, d.outsider.first, "13109");
    ApproveMember(*d.db, d.reporter.first, "13130");
    d.db->Exec(
        "INSERT INTO family_links (id, owner_id, member_id, status, created_ms, updated_ms) "
        "VALUES ('fl-stream', '" +
        d.reporter.first + "', '" + d.family.first + "', 'accepted', 0, 0)");
    d.op_in = api.Staff(d.root, "op.sm@stream.cl", "operator", "13130");
    d.op_out = api.Staff(d.root, "op.lc@stream.cl", "operator", "13109");
  }

  std::unique_ptr<WsStreamClient> Open(const std::string& token, std::optional<int64_t> since = {},
                                       int rcvbuf = 0) {
    auto c = std::make_unique<WsStreamClient>(dep_->server->port());
    StreamConnectOptions o;
    o.token = token;
    o.since = since;
    o.receive_buffer_bytes = rcvbuf;
    std::string error;
    int status = 0;
    EXPECT_TRUE(c->Connect(o, &error, &status)) << error << " " << status;
    auto hello = c->Next(milliseconds(5000));
    EXPECT_TRUE(hello.has_value());
    if (hello) {
      EXPECT_EQ(Type(*hello), "hello") << hello->text;
    }
    return c;
  }

  std::string Post(const json::object& body, const std::string& token) {
    Reply r = api().Call("POST", "/api/v1/reports", Api::Obj(body), token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : "";
  }

  // A public event every session receives: everything about earlier events arrived before it.
  int marker_ = 0;
  void Marker() {
    Reply r = api().Call("PATCH", "/api/v1/areas/RM",
                         Api::Obj({{"name", "RM marker " + std::to_string(++marker_)}}), dep_->root);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // Messages up to (not including) the next marker.
  static std::vector<StreamMessage> UntilMarker(WsStreamClient& c) {
    std::vector<StreamMessage> out;
    for (;;) {
      auto m = c.Next(milliseconds(10'000));
      if (!m) {
        ADD_FAILURE() << "no marker within 10 s";
        return out;
      }
      if (Type(*m) == "area.updated") return out;
      out.push_back(std::move(*m));
    }
  }
  static std::vector<StreamMessage> About(const std::vector<StreamMessage>& ms, const std::string& id) {
    std::vector<StreamMessage> out;
    for (const auto& m : ms) {
      auto o = Parse(m);
      if (o.contains("data") && o.at("data").is_object() && o.at("data").as_object().contains("id") &&
          o.at("data").at("id").as_string() == id)
        out.push_back(m);
    }
    return out;
  }
};

TEST_P(StreamTest, RefusesMissingAndForgedTokens) {
  for (const std::string& token : {std::string(), std::string("forged-token-0123456789abcdef")}) {
    for (bool in_protocol : {false, true}) {
      WsStreamClient c(dep_->server->port());
      StreamConnectOptions o;
      o.token = token;
      o.token_in_protocol = in_protocol;
      int status = 0;
      EXPECT_FALSE(c.Connect(o, nullptr, &status));
      EXPECT_EQ(status, 401) << "token '" << token << "' in_protocol " << in_protocol;
    }
    SseStreamClient s(dep_->server->port());
    StreamConnectOptions o;
    o.token = token;
    int status = 0;
    EXPECT_FALSE(s.Connect(o, nullptr, &status));
    EXPECT_EQ(status, 401);
  }
  // A browser's way: the token as the second subprotocol; the server selects centinela.v1.
  WsStreamClient c(dep_->server->port());
  StreamConnectOptions o;
  o.token = dep_->member.second;
  o.token_in_protocol = true;
  ASSERT_TRUE(c.Connect(o));
  EXPECT_EQ(c.protocol(), "centinela.v1");
  auto hello = c.Next(milliseconds(5000));
  ASSERT_TRUE(hello);
  EXPECT_EQ(Type(*hello), "hello");
  // A plain GET (no upgrade) is told to upgrade.
  EXPECT_EQ(api().Call("GET", "/api/v1/stream", "", dep_->member.second).status, 426);
}

TEST_P(StreamTest, RestrictedAlertReachesAreaStaffAndChosenFamilyOnly) {
  std::map<std::string, std::unique_ptr<WsStreamClient>> c;
  const std::map<std::string, const Account*> who = {
      {"reporter", &dep_->reporter}, {"family", &dep_->family},   {"member", &dep_->member},
      {"outsider", &dep_->outsider}, {"op_in", &dep_->op_in},     {"op_out", &dep_->op_out},
      {"stranger", &dep_->stranger}};
  for (const auto& [name, acc] : who) c[name] = Open(acc->second);

  const std::string shared = Post(ReportBody("panico", /*anonymous=*/true, /*share=*/true),
                                  dep_->reporter.second);
  const std::string private_id =
      Post(ReportBody("violencia_intrafamiliar", false, /*share=*/false), dep_->reporter.second);
  ASSERT_NO_FATAL_FAILURE(Marker());
  std::map<std::string, std::vector<StreamMessage>> got;
  for (auto& [name, client] : c) got[name] = UntilMarker(*client);

  // The shared restricted alert: reporter, family, operator of the area. No one else.
  EXPECT_EQ(About(got["reporter"], shared).size(), 1u);
  ASSERT_EQ(About(got["family"], shared).size(), 1u);
  ASSERT_EQ(About(got["op_in"], shared).size(), 1u);
  for (const char* name : {"member", "outsider", "op_out", "stranger"}) {
    EXPECT_TRUE(About(got[name], shared).empty()) << name;
    EXPECT_TRUE(About(got[name], private_id).empty()) << name;
  }
  // The one not shared with family: reporter and staff only.
  EXPECT_EQ(About(got["reporter"], private_id).size(), 1u);
  EXPECT_EQ(About(got["op_in"], private_id).size(), 1u);
  EXPECT_TRUE(About(got["family"], private_id).empty());

  // Staff see the exact point but not the anonymous reporter; the family sees both.
  json::object staff = Parse(About(got["op_in"], shared)[0]).at("data").as_object();
  EXPECT_EQ(staff.at("location").as_string(), "exact");
  EXPECT_DOUBLE_EQ(staff.at("lat").to_number<double>(), kSanMiguelLat);
  EXPECT_FALSE(staff.contains("reporter_id"));
  json::object fam = Parse(About(got["family"], shared)[0]).at("data").as_object();
  EXPECT_EQ(fam.at("reporter_id").as_string(), dep_->reporter.first);
  // Nothing in any message names the anonymous reporter outside the family and themselves.
  for (const char* name : {"op_in", "member", "outsider", "op_out", "stranger"})
    for (const auto& m : About(got[name], shared))
      EXPECT_EQ(m.text.find(dep_->reporter.first), std::string::npos) << name << ": " << m.text;
}

TEST_P(StreamTest, PublicAlertReachesItsNeighbourhoodWithCoarseLocation) {
  auto member = Open(dep_->member.second);
  auto outsider = Open(dep_->outsider.second);
  auto stranger = Open(dep_->stranger.second);
  const auto posted = std::chrono::steady_clock::now();
  const std::string id = Post(ReportBody("robo", /*anonymous=*/true), dep_->reporter.second);
  ASSERT_NO_FATAL_FAILURE(Marker());
  auto m = UntilMarker(*member);
  auto mine = About(m, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_LT(mine[0].at - posted, milliseconds(2000));
  json::object o = Parse(mine[0]);
  EXPECT_EQ(o.at("type").as_string(), "report.created");
  EXPECT_GT(o.at("seq").to_number<int64_t>(), 0);
  EXPECT_TRUE(o.at("time").is_string());
  json::object data = o.at("data").as_object();
  EXPECT_EQ(data.at("location").as_string(), "coarse");
  EXPECT_DOUBLE_EQ(data.at("lat").to_number<double>(), community::CoarsenLat(kSanMiguelLat));
  EXPECT_DOUBLE_EQ(data.at("lon").to_number<double>(),
                   community::CoarsenLon(kSanMiguelLat, kSanMiguelLon));
  EXPECT_NE(data.at("lat").to_number<double>(), kSanMiguelLat);
  EXPECT_FALSE(data.contains("reporter_id"));  // anonymous towards the community
  EXPECT_FALSE(data.contains("address"));
  EXPECT_TRUE(About(UntilMarker(*outsider), id).empty());
  EXPECT_TRUE(About(UntilMarker(*stranger), id).empty());
}

// A broadcast reaches the people of its area: verified neighbours and staff of San Miguel
// for one sent to 13130; a polygon drawn in La Cisterna reaches La Cisterna's neighbour.
TEST_P(StreamTest, BroadcastReachesOnlyThePeopleOfItsArea) {
  auto member = Open(dep_->member.second);
  auto outsider = Open(dep_->outsider.second);
  auto stranger = Open(dep_->stranger.second);
  auto op_in = Open(dep_->op_in.second);
  auto op_out = Open(dep_->op_out.second);
  // A stranger on SSE moves a near-me circle into La Cisterna over HTTP (its own session
  // only: another user gets 404).
  const double lat = -33.5330, lon = -70.6630, d = 0.002;
  SseStreamClient near(dep_->server->port());
  StreamConnectOptions so;
  so.token = dep_->stranger.second;
  ASSERT_TRUE(near.Connect(so));
  auto hello = near.Next(milliseconds(5000));
  ASSERT_TRUE(hello);
  const std::string session(Parse(*hello).at("session").as_string());
  const json::object circle{{"session", session}, {"lat", lat}, {"lon", lon}, {"radius_m", 200}};
  EXPECT_EQ(api().Call("POST", "/api/v1/stream/near", Api::Obj(circle), dep_->outsider.second).status, 404);
  EXPECT_EQ(api().Call("POST", "/api/v1/stream/near", Api::Obj({{"session", session}}), dep_->stranger.second).status,
            400);
  Reply moved = api().Call("POST", "/api/v1/stream/near", Api::Obj(circle), dep_->stranger.second);
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto send = [&](json::object extra, const std::string& token) {
    json::object b{{"headline", "Corte de agua"},   {"body", "Sin agua hasta las 18:00"},
                   {"severity", "Moderate"},        {"urgency", "Expected"},
                   {"certainty", "Likely"},         {"expires", FormatIsoTime(SystemClock().NowMs() + 3'600'000)}};
    for (auto& kv : extra) b[kv.key()] = kv.value();
    Reply r = api().Call("POST", "/api/v1/broadcasts", Api::Obj(b), token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : std::string();
  };
  const std::string to_area = send({{"areas", json::array{"13130"}}}, dep_->op_in.second);
  // A small square around a point of La Cisterna (the outsider's comuna), [[lon, lat], ...].
  json::array ring;
  for (auto [y, x] : {std::pair{lat - d, lon - d}, {lat - d, lon + d}, {lat + d, lon + d},
                      {lat + d, lon - d}, {lat - d, lon - d}})
    ring.push_back(json::array{x, y});
  const std::string drawn =
      send({{"polygon", json::object{{"type", "Polygon"}, {"coordinates", json::array{ring}}}}},
           dep_->op_out.second);
  ASSERT_FALSE(to_area.empty() || drawn.empty());
  ASSERT_NO_FATAL_FAILURE(Marker());
  auto ids = [&](WsStreamClient& c) {
    std::set<std::string> out;
    for (const auto& m : UntilMarker(c))
      if (Type(m) == "broadcast.sent") out.emplace(Parse(m).at("data").at("id").as_string());
    return out;
  };
  EXPECT_EQ(ids(*member), std::set<std::string>{to_area});
  EXPECT_EQ(ids(*op_in), std::set<std::string>{to_area});
  EXPECT_EQ(ids(*outsider), std::set<std::string>{drawn});
  EXPECT_EQ(ids(*op_out), std::set<std::string>{drawn});
  EXPECT_TRUE(ids(*stranger).empty());
  std::set<std::string> near_ids;
  while (auto m = near.Next(milliseconds(10'000))) {
    if (Type(*m) == "area.updated") break;
    if (Type(*m) == "broadcast.sent") near_ids.emplace(Parse(*m).at("data").at("id").as_string());
  }
  EXPECT_EQ(near_ids, std::set<std::string>{drawn});
}

// Signing out closes that login's open streams with 4003; another login of the same user
// keeps receiving.
TEST_P(StreamTest, LogoutClosesThatSessionsStreams) {
  const std::string second = api().Login("member@stream.cl");
  ASSERT_FALSE(second.empty());
  auto first_stream = Open(dep_->member.second);
  auto second_stream = Open(second);
  Reply out = api().Call("POST", "/api/v1/auth/logout", "", second);
  ASSERT_TRUE(out.status == 200 || out.status == 204) << out.status << " " << out.body;
  ASSERT_TRUE(second_stream->WaitClosed(milliseconds(5000)));
  EXPECT_EQ(second_stream->close_code(), 4003);
  ASSERT_NO_FATAL_FAILURE(Marker());
  auto still = UntilMarker(*first_stream);  // the marker arrived: the other login is open
  EXPECT_FALSE(first_stream->WaitClosed(milliseconds(10)));
}

// Disconnect, keep writing from another thread, reconnect with since: every report.created
// the operator may see arrives exactly once across the two connections, in seq order, and
// matches the event log.
TEST_P(StreamTest, ReconnectWithSinceReceivesExactlyTheMissedEvents) {
  auto first = Open(dep_->op_in.second);
  std::atomic<bool> stop{false};
  std::atomic<int> posted{0};
  std::set<std::string> ids;
  std::mutex ids_mu;
  std::thread writer([&] {
    const Api a = api();
    while (!stop && posted < 120) {
      Reply r = a.Call("POST", "/api/v1/reports", Api::Obj(ReportBody("robo")), dep_->reporter.second);
      if (r.status != 201) continue;
      std::lock_guard lock(ids_mu);
      ids.insert(std::string(r.Json().at("id").as_string()));
      ++posted;
    }
  });
  std::vector<int64_t> seqs;
  std::set<std::string> seen;
  auto take = [&](WsStreamClient& c, int count) {
    for (int i = 0; i < count;) {
      auto m = c.Next(milliseconds(10'000));
      if (!m) return;
      if (Type(*m) != "report.created") continue;
      seqs.push_back(Seq(*m));
      seen.insert(std::string(Parse(*m).at("data").at("id").as_string()));
      ++i;
    }
  };
  take(*first, 20);
  first->Close();
  const int64_t since = seqs.back();
  while (posted < 60) std::this_thread::sleep_for(milliseconds(10));  // missed while away
  auto second = Open(dep_->op_in.second, since);
  writer.join();
  const size_t total = ids.size();
  take(*second, static_cast<int>(total - seen.size()));
  EXPECT_EQ(seen, ids);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]) << "duplicate or out of order";
  // By seq: exactly the log's report.created events after the first one received.
  std::vector<int64_t> log;
  for (const std::string& s : dep_->db->Column(
           "SELECT seq FROM events WHERE type = 'report.created' AND seq >= " +
           std::to_string(seqs.front()) + " ORDER BY seq"))
    log.push_back(std::stoll(s));
  EXPECT_EQ(seqs, log);
  stop = true;
}

TEST_P(StreamTest, SlowConsumerIsCutOffWithoutDelayingOthers) {
  auto slow = Open(dep_->member.second, std::nullopt, /*rcvbuf=*/2048);
  auto fast = Open(dep_->op_in.second);
  slow->PauseReading();
  constexpr int kPosts = 250;
  std::vector<std::chrono::steady_clock::time_point> post_times;
  int64_t worst_ms = 0;
  int fast_got = 0;
  for (int i = 0; i < kPosts; ++i) {
    post_times.push_back(std::chrono::steady_clock::now());
    ASSERT_FALSE(Post(ReportBody("robo"), dep_->reporter.second).empty());
    // The fast client keeps up while the slow one is stuck.
    while (auto m = fast->Next(milliseconds(0))) {
      if (Type(*m) != "report.created") continue;
      worst_ms = std::max<int64_t>(
          worst_ms, std::chrono::duration_cast<milliseconds>(m->at - post_times[fast_got]).count());
      ++fast_got;
    }
  }
  while (fast_got < kPosts) {
    auto m = fast->Next(milliseconds(5000));
    ASSERT_TRUE(m) << "the fast client got " << fast_got << " of " << kPosts;
    if (Type(*m) != "report.created") continue;
    worst_ms = std::max<int64_t>(
        worst_ms, std::chrono::duration_cast<milliseconds>(m->at - post_times[fast_got]).count());
    ++fast_got;
  }
  EXPECT_LT(worst_ms, 1000) << "a stuck consumer delayed another one";
  // The slow one, reading again, finds a prefix of the events and then the 4008 close.
  slow->ResumeReading();
  std::vector<int64_t> slow_seqs;
  while (auto m = slow->Next(milliseconds(5000)))
    if (Type(*m) == "report.created") slow_seqs.push_back(Seq(*m));
  ASSERT_TRUE(slow->WaitClosed(milliseconds(10'000)));
  EXPECT_EQ(slow->close_code(), 4008);
  EXPECT_LT(slow_seqs.size(), static_cast<size_t>(kPosts));
  // It resumes with since and gets the rest, none twice.
  const int64_t since = slow_seqs.empty() ? 0 : slow_seqs.back();
  auto again = Open(dep_->member.second, since);
  std::vector<int64_t> rest;
  while (static_cast<int>(slow_seqs.size() + rest.size()) < kPosts) {
    auto m = again->Next(milliseconds(10'000));
    ASSERT_TRUE(m) << slow_seqs.size() << " + " << rest.size();
    if (Type(*m) == "report.created") rest.push_back(Seq(*m));
  }
  ASSERT_FALSE(rest.empty());
  EXPECT_GT(rest.front(), since);
  for (size_t i = 1; i < rest.size(); ++i) EXPECT_LT(rest[i - 1], rest[i]);
}

TEST_P(StreamTest, ServerSentEventsResumeWithLastEventId) {
  auto open = [&](const std::string& last_id) {
    auto s = std::make_unique<SseStreamClient>(dep_->server->port());
    StreamConnectOptions o;
    o.token = dep_->member.second;
    o.last_event_id = last_id;
    std::string error;
    EXPECT_TRUE(s->Connect(o, &error)) << error;
    auto hello = s->Next(milliseconds(5000));
    EXPECT_TRUE(hello && Type(*hello) == "hello");
    return s;
  };
  auto sse = open("");
  const std::string a = Post(ReportBody("robo"), dep_->reporter.second);
  std::optional<StreamMessage> got_a;
  while (auto m = sse->Next(milliseconds(5000)))
    if (Type(*m) == "report.created") {
      got_a = m;
      break;
    }
  ASSERT_TRUE(got_a);
  EXPECT_EQ(Parse(*got_a).at("data").at("id").as_string(), a);
  EXPECT_EQ(got_a->sse_id, Seq(*got_a));
  sse->Close();
  std::vector<std::string> missed;
  for (int i = 0; i < 3; ++i) missed.push_back(Post(ReportBody("hurto"), dep_->reporter.second));
  auto again = open(std::to_string(got_a->sse_id));
  std::vector<std::string> replayed;
  while (replayed.size() < 3) {
    auto m = again->Next(milliseconds(5000));
    ASSERT_TRUE(m);
    if (Type(*m) == "report.created") replayed.emplace_back(Parse(*m).at("data").at("id").as_string());
  }
  EXPECT_EQ(replayed, missed);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);


// Liveness with short timers: a client that reads answers the server's pings and stays; one
// that stops reading is closed with 4001 once the idle timeout passes.
struct IdleDeployment : Deployment {
  Account reader, silent;
};

class StreamLivenessTest : public DeployedTest<IdleDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-stream-idle"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_STREAM_IDLE_TIMEOUT_MS=1500", "CENTINELA_STREAM_PING_INTERVAL_MS=300"};
  }
  void Populate(IdleDeployment& d) override {
    d.reader = api().Neighbour("reader@idle.cl");
    d.silent = api().Neighbour("silent@idle.cl");
    ASSERT_FALSE(d.reader.second.empty() || d.silent.second.empty());
  }
};

TEST_P(StreamLivenessTest, PingsKeepAReaderAliveAndSilenceEndsWith4001) {
  WsStreamClient reader(dep_->server->port()), silent(dep_->server->port());
  StreamConnectOptions o;
  o.token = dep_->reader.second;
  ASSERT_TRUE(reader.Connect(o));
  o.token = dep_->silent.second;
  ASSERT_TRUE(silent.Connect(o));
  ASSERT_TRUE(reader.Next(milliseconds(5000)));
  ASSERT_TRUE(silent.Next(milliseconds(5000)));
  // The silent client's last read completes on the pong message, then it reads no more.
  silent.PauseReading();
  silent.Send(R"({"type":"ping"})");
  std::this_thread::sleep_for(milliseconds(4500));
  EXPECT_FALSE(reader.WaitClosed(milliseconds(0))) << "a client that answers pings was closed";
  silent.ResumeReading();
  ASSERT_TRUE(silent.WaitClosed(milliseconds(10'000)));
  EXPECT_EQ(silent.close_code(), 4001);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamLivenessTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
