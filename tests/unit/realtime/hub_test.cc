// The hub over a fake event log and fake sessions: who receives what (a table of principal
// kinds x event kinds, through community::Decide), resume without loss while another thread
// keeps publishing, the replay bound, the queue bound, and the near-me circle.
#include "realtime/hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <boost/json.hpp>
#include <map>
#include <random>
#include <thread>

#include "community/visibility.h"

namespace centinela::realtime {
namespace {

namespace json = boost::json;
using auth::Grant;
using auth::Role;

class FakeLog : public EventSource {
 public:
  //! time_ms 0: now.
  store::Event Append(store::EventDraft d, int64_t time_ms = 0) {
    if (time_ms == 0) time_ms = SystemClock().NowMs();
    std::lock_guard lock(mu_);
    store::Event e;
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    e.time_ms = time_ms;
    e.type = d.type;
    e.actor = d.actor;
    e.subject = d.subject;
    e.scope = d.scope;
    e.payload = d.payload;
    events_.push_back(e);
    return e;
  }
  Result<std::vector<store::Event>> ReadEvents(int64_t after, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<store::Event> out;
    for (const auto& e : events_)
      if (e.seq > after && static_cast<int>(out.size()) < limit) out.push_back(e);
    return out;
  }
  Result<int64_t> LastSeq() override {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(events_.size());
  }

 private:
  std::mutex mu_;
  std::vector<store::Event> events_;
};

class FakeSink : public Sink {
 public:
  explicit FakeSink(size_t bound = 0) : bound_(bound) {}
  bool Send(MessagePtr m) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (bound_ > 0 && got_.size() >= bound_) {
      closed_ = true;
      code_ = kCloseTooSlow;
      return false;
    }
    got_.push_back(std::move(m));
    return true;
  }
  bool Enqueue(MessagePtr m) override {
    enqueued_++;
    return Send(std::move(m));
  }
  void Flush() override { flushes_++; }
  int enqueued() const { return enqueued_; }
  int flushes() const { return flushes_; }
  size_t Depth() const override { return 0; }
  void Close(uint16_t code, const std::string&) override {
    std::lock_guard lock(mu_);
    if (!closed_) code_ = code;
    closed_ = true;
  }
  bool Closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }
  uint16_t code() const {
    std::lock_guard lock(mu_);
    return code_;
  }
  std::vector<MessagePtr> Got() const {
    std::lock_guard lock(mu_);
    return got_;
  }
  //! seqs of event messages, in arrival order.
  std::vector<int64_t> Seqs() const {
    std::vector<int64_t> out;
    for (const auto& m : Got())
      if (m->seq > 0) out.push_back(m->seq);
    return out;
  }
  std::vector<std::string> Types() const {
    std::vector<std::string> out;
    for (const auto& m : Got()) out.emplace_back(json::parse(m->text).at("type").as_string());
    return out;
  }

 private:
  mutable std::mutex mu_;
  size_t bound_;
  std::vector<MessagePtr> got_;
  bool closed_ = false;
  uint16_t code_ = 0;
  std::atomic<int> enqueued_{0}, flushes_{0};
};

// Areas: RM > 13130 > N1, RM > 13109 > N2.
std::vector<std::string> AreaPath(const std::string& code) {
  static const std::map<std::string, std::vector<std::string>> paths = {
      {"RM", {"RM"}},
      {"13130", {"13130", "RM"}},
      {"13109", {"13109", "RM"}},
      {"N1", {"N1", "13130", "RM"}},
      {"N2", {"N2", "13109", "RM"}}};
  auto it = paths.find(code);
  return it == paths.end() ? std::vector<std::string>{code} : it->second;
}

constexpr double kN1Lat = -33.4960, kN1Lon = -70.6510;
constexpr double kN2Lat = -33.5330, kN2Lon = -70.6630;

struct ReportSpec {
  std::string id, reporter;
  bool restricted = false, anonymous = false, share = false;
  bool in_n1 = true;
};

store::EventDraft ReportCreated(const ReportSpec& r) {
  json::array areas;
  for (const auto& a : AreaPath(r.in_n1 ? "N1" : "N2")) areas.emplace_back(a);
  json::object o{{"id", r.id},
                 {"category", r.restricted ? "violencia_intrafamiliar" : "robo"},
                 {"sensitivity", r.restricted ? "restricted" : "public"},
                 {"priority", 2},
                 {"lat", r.in_n1 ? kN1Lat : kN2Lat},
                 {"lon", r.in_n1 ? kN1Lon : kN2Lon},
                 {"anonymous", r.anonymous},
                 {"share_with_family", r.share},
                 {"reporter_id", r.reporter},
                 {"areas", areas},
                 {"agencies", json::array{"police"}}};
  return {"report.created", r.reporter, "report:" + r.id, "report:" + r.id, json::serialize(o)};
}

SubscriberInfo Info(std::string user, std::vector<Grant> grants = {},
                    std::vector<std::string> neighbourhoods = {},
                    std::vector<std::string> family_of = {}) {
  SubscriberInfo s;
  s.viewer.user_id = std::move(user);
  s.viewer.grants = std::move(grants);
  s.viewer.neighbourhoods = std::move(neighbourhoods);
  s.family_of = std::move(family_of);
  return s;
}

HubOptions Options() {
  HubOptions o;
  o.area_path = AreaPath;
  o.max_sessions_per_user = 100;
  return o;
}

bool WaitUntil(const std::function<bool()>& pred, int ms = 10'000) {
  for (int i = 0; i < ms; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

// What a message shows: "plain" (no location), or location + whether the reporter is named.
std::string Label(const Message& m) {
  json::object data = json::parse(m.text).at("data").as_object();
  if (!data.contains("location")) return "plain";
  std::string out(data.at("location").as_string());
  out += data.contains("reporter_id") ? "+shown" : "+hidden";
  if (out.starts_with("coarse")) {
    // Coarse means the ~100 m cell centre, never the exact point, and no address.
    const double lat = data.at("lat").to_number<double>();
    EXPECT_NE(lat, kN1Lat);
    EXPECT_DOUBLE_EQ(lat, community::CoarsenLat(kN1Lat));
    EXPECT_FALSE(data.contains("address"));
  }
  return out;
}

TEST(HubMatching, PrincipalKindsTimesEventKinds) {
  FakeLog log;
  Hub hub(log, Options());
  ASSERT_TRUE(hub.Start().ok());

  std::map<std::string, SubscriberInfo> who = {
      {"reporter", Info("R", {{Role::kNeighbour, ""}}, {"N1"})},
      {"family", Info("F", {{Role::kNeighbour, ""}}, {}, {"R"})},
      {"member_n1", Info("M1", {{Role::kNeighbour, ""}}, {"N1"})},
      {"member_n2", Info("M2", {{Role::kNeighbour, ""}}, {"N2"})},
      {"op_13130", Info("S1", {{Role::kOperator, "13130"}})},
      {"op_13109", Info("S2", {{Role::kOperator, "13109"}})},
      {"analyst_rm", Info("S3", {{Role::kAnalyst, "RM"}})},
      {"admin_all", Info("A", {{Role::kAdmin, "*"}})},
      {"deanon_only", Info("D", {{Role::kDeanonymise, "13130"}})},
      {"op_deanon", Info("OD", {{Role::kOperator, "13130"}, {Role::kDeanonymise, "13130"}})},
      {"stranger", Info("X")}};
  std::map<std::string, std::shared_ptr<FakeSink>> sinks;
  for (auto& [name, info] : who) {
    sinks[name] = std::make_shared<FakeSink>();
    ASSERT_TRUE(hub.Open(info, sinks[name], std::nullopt).ok());
  }

  // Each event and who gets which variant; everyone else gets nothing.
  struct Case {
    store::EventDraft draft;
    std::map<std::string, std::string> expect;
  };
  std::vector<Case> cases = {
      {ReportCreated({"p1", "R"}),
       {{"reporter", "exact+shown"}, {"family", "exact+shown"}, {"member_n1", "coarse+shown"},
        {"op_13130", "exact+shown"}, {"analyst_rm", "exact+shown"}, {"admin_all", "exact+shown"},
        {"op_deanon", "exact+shown"}}},
      {ReportCreated({"r1", "R", /*restricted=*/true, /*anonymous=*/true, /*share=*/true}),
       {{"reporter", "exact+shown"}, {"family", "exact+shown"}, {"op_13130", "exact+hidden"},
        {"analyst_rm", "exact+hidden"}, {"admin_all", "exact+hidden"},
        // A deanonymise grant never names the reporter on the stream (GET logs such reads).
        {"op_deanon", "exact+hidden"}}},
      {ReportCreated({"r2", "R", /*restricted=*/true, /*anonymous=*/false, /*share=*/false}),
       {{"reporter", "exact+shown"}, {"op_13130", "exact+shown"}, {"analyst_rm", "exact+shown"},
        {"admin_all", "exact+shown"}, {"op_deanon", "exact+shown"}}},
      {ReportCreated({"a1", "R", /*restricted=*/false, /*anonymous=*/true}),
       {{"reporter", "exact+shown"}, {"family", "exact+shown"}, {"member_n1", "coarse+hidden"},
        {"op_13130", "exact+hidden"}, {"analyst_rm", "exact+hidden"}, {"admin_all", "exact+hidden"},
        {"op_deanon", "exact+hidden"}}},
      {ReportCreated({"p2", "M2", false, false, false, /*in_n1=*/false}),
       {{"member_n2", "exact+shown"}, {"op_13109", "exact+shown"}, {"analyst_rm", "exact+shown"},
        {"admin_all", "exact+shown"}}},
      // A later event about the restricted report follows the report's audience.
      {{"comment.added", "R", "comment:c1", "report:r1", R"({"comment_id":"c1","report_id":"r1"})"},
       {{"reporter", "plain"}, {"family", "plain"}, {"op_13130", "plain"}, {"analyst_rm", "plain"},
        {"admin_all", "plain"}, {"op_deanon", "plain"}}},
      {{"media.uploaded", "M2", "media:m1", "user:M2", R"({"id":"m1"})"}, {{"member_n2", "plain"}}},
      {{"membership.requested", "M1", "membership:x", "staff:area:N1", R"({"membership":"x"})"},
       {{"op_13130", "plain"}, {"analyst_rm", "plain"}, {"admin_all", "plain"},
        {"op_deanon", "plain"}}},
      {{"user.created", "A", "user:Z", "admin", R"({"id":"Z"})"}, {{"admin_all", "plain"}}},
      {{"report.confirmed", "M1", "report:unknown", "report:unknown", "{}"}, {}},
      {{"weird.event", "A", "x", "somewhere", "{}"}, {}},
  };
  std::map<std::string, std::map<int64_t, std::string>> expected;
  int64_t last = 0;
  for (const Case& c : cases) {
    store::Event e = log.Append(c.draft);
    hub.OnCommit({e});
    last = e.seq;
    for (const auto& [name, label] : c.expect) expected[name][e.seq] = label;
  }
  store::Event pub = log.Append({"area.updated", "A", "area:RM", "public", R"({"code":"RM"})"});
  hub.OnCommit({pub});
  last = pub.seq;
  for (auto& [name, info] : who) expected[name][pub.seq] = "plain";

  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == last; }));
  for (auto& [name, sink] : sinks) {
    std::map<int64_t, std::string> got;
    for (const MessagePtr& m : sink->Got())
      if (m->seq > 0) got[m->seq] = Label(*m);
    EXPECT_EQ(got, expected[name]) << "principal " << name;
    EXPECT_EQ(sink->Types().front(), "hello");
  }
  // One buffer per variant, shared by every recipient of that variant.
  auto first_of = [&](const std::string& name, int64_t seq) {
    for (const MessagePtr& m : sinks[name]->Got())
      if (m->seq == seq) return m.get();
    return static_cast<const Message*>(nullptr);
  };
  EXPECT_EQ(first_of("op_13130", 1), first_of("analyst_rm", 1));
  EXPECT_NE(first_of("op_13130", 1), first_of("member_n1", 1));
}

// A hidden variant withholds the anonymous reporter under any key, not only reporter_id:
// an allowed field of an event about the report whose value is its reporter is rendered
// without that field for every viewer the report hides the reporter from (NamePerson's
// rule); fields outside the event's allow-list (community/render.h) reach no variant.
TEST(HubMatching, HiddenVariantsWithholdTheReporterUnderAnyKey) {
  store::Event e;
  e.seq = 7;
  e.type = "report.step";
  e.scope = "report:r1";
  e.payload = R"({"step_id":"s1","report_id":"r1","note":"R","outcome":"M1","author_id":"R"})";
  ReportLookup lookup = [](const std::string& id) -> std::optional<ReportInfo> {
    if (id != "r1") return std::nullopt;
    ReportInfo info;
    info.facts.reporter_id = "R";
    info.facts.anonymous = true;
    info.facts.areas = AreaPath("N1");
    return info;
  };
  PreparedEvent prepared(e, lookup);
  for (Variant hidden : {Variant::kExactHidden, Variant::kCoarseHidden}) {
    json::object data = json::parse(prepared.For(hidden)->text).at("data").as_object();
    EXPECT_FALSE(data.contains("note")) << static_cast<int>(hidden);
    EXPECT_FALSE(data.contains("author_id")) << static_cast<int>(hidden);
    EXPECT_EQ(data.at("outcome").as_string(), "M1");
    EXPECT_EQ(data.at("step_id").as_string(), "s1");
  }
  json::object shown = json::parse(prepared.For(Variant::kExactShown)->text).at("data").as_object();
  EXPECT_EQ(shown.at("note").as_string(), "R");
  EXPECT_FALSE(shown.contains("author_id"));  // not in report.step's allow-list
  // Who gets which: the reporter sees themselves, a covering operator does not.
  EXPECT_EQ(Match(Info("R"), prepared.audience(), {}), Variant::kExactShown);
  EXPECT_EQ(Match(Info("S1", {{Role::kOperator, "13130"}}), prepared.audience(), {}),
            Variant::kExactHidden);
  EXPECT_EQ(Match(Info("OD", {{Role::kOperator, "13130"}, {Role::kDeanonymise, "13130"}}),
                  prepared.audience(), {}),
            Variant::kExactHidden);
}

// The stream renders every variant from the allow-lists of community/render.h: a field an
// event payload gains later (here an unknown one, one naming the reporter, and the exact
// address and accuracy) reaches no community variant, and no variant at all until it is
// allowed. Broadcasts (which reach neighbours as they are) follow their own allow-list.
TEST(HubRendering, FieldsAddedToAPayloadReachNoCommunityVariant) {
  ReportLookup lookup = [](const std::string& id) -> std::optional<ReportInfo> {
    ReportInfo info;
    info.facts.reporter_id = "R";
    info.facts.anonymous = true;
    info.facts.areas = AreaPath("N1");
    info.lat = kN1Lat;
    info.lon = kN1Lon;
    return info;
  };
  const std::vector<std::string> added = {"internal_note", "reporter_name", "reporter_phone",
                                          "address", "accuracy", "exact_lat", "caller_name"};
  auto with_extras = [&](json::object o) {
    o["internal_note"] = "only for the control room";
    o["reporter_name"] = "Rosa";
    o["reporter_phone"] = "+56 9 1234 5678";
    o["address"] = "Av. Siempre Viva 742";
    o["accuracy"] = 4.5;
    o["exact_lat"] = kN1Lat;
    o["caller_name"] = "R";
    return o;
  };
  json::object created = json::parse(ReportCreated({"a1", "R", false, true}).payload).as_object();
  const std::vector<std::pair<std::string, json::object>> payloads = {
      {"report.created", with_extras(created)},
      {"comment.added", with_extras({{"comment_id", "c1"}, {"report_id", "a1"}})},
      {"report.confirmed", with_extras({{"report_id", "a1"}})},
      {"report.step", with_extras({{"incident_id", "i1"}, {"step_id", "s1"}, {"report_id", "a1"}})},
      {"report.rewritten", with_extras({{"report_id", "a1"}, {"lat", kN1Lat}, {"lon", kN1Lon}})},
  };
  int64_t seq = 0;
  for (const auto& [type, payload] : payloads) {
    store::Event e;
    e.seq = ++seq;
    e.type = type;
    e.scope = "report:a1";
    e.payload = json::serialize(payload);
    PreparedEvent prepared(e, lookup);
    for (Variant v : {Variant::kExactShown, Variant::kExactHidden, Variant::kCoarseShown,
                      Variant::kCoarseHidden}) {
      json::object data = json::parse(prepared.For(v)->text).at("data").as_object();
      for (const std::string& k : added) {
        EXPECT_FALSE(data.contains(k)) << type << " " << k;
      }
      if (v != Variant::kExactShown && v != Variant::kCoarseShown) {
        EXPECT_FALSE(data.contains("reporter_id")) << type;
      }
      if (v == Variant::kCoarseShown || v == Variant::kCoarseHidden) {
        for (const auto& kv : data) {
          if (kv.value().is_double()) {
            EXPECT_NE(kv.value().get_double(), kN1Lat) << type << " " << kv.key();
          }
        }
      }
    }
  }
  store::Event b;
  b.seq = ++seq;
  b.type = "broadcast.sent";
  b.scope = "broadcast";
  b.payload = R"({"id":"b1","headline":"Corte de agua","body":"x","areas":["N1"],)"
              R"("sender_id":"S1","internal_note":"y"})";
  PreparedEvent prepared(b, lookup);
  json::object data = json::parse(prepared.For(Variant::kAsIs)->text).at("data").as_object();
  EXPECT_EQ(data.at("headline").as_string(), "Corte de agua");
  EXPECT_FALSE(data.contains("sender_id"));
  EXPECT_FALSE(data.contains("internal_note"));
}

TEST(HubMatching, NearMeCircleNeverWidensVisibility) {
  FakeLog log;
  Hub hub(log, Options());
  ASSERT_TRUE(hub.Start().ok());
  auto n2 = std::make_shared<FakeSink>();
  auto id = hub.Open(Info("M2", {}, {"N2"}), n2, std::nullopt);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(hub.SetNear(*id, Circle{kN1Lat, kN1Lon, 6000}).code(), Code::kUnprocessable);
  EXPECT_EQ(hub.SetNear(*id, Circle{95, kN1Lon, 100}).code(), Code::kUnprocessable);
  ASSERT_TRUE(hub.SetNear(*id, Circle{kN1Lat, kN1Lon, 500}).ok());
  // Inside the circle, but neither the neighbourhood's public report nor a restricted one
  // may reach a neighbour of another neighbourhood.
  hub.OnCommit({log.Append(ReportCreated({"p1", "R"}))});
  hub.OnCommit({log.Append(ReportCreated({"r1", "R", true}))});
  // Own neighbourhood, outside the circle: still delivered (the circle adds, never removes).
  hub.OnCommit({log.Append(ReportCreated({"p2", "Y", false, false, false, false}))});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 3; }));
  EXPECT_EQ(n2->Seqs(), std::vector<int64_t>{3});
  ASSERT_TRUE(hub.SetNear(*id, std::nullopt).ok());
  EXPECT_EQ(hub.SetNear(*id + 100, std::nullopt).code(), Code::kNotFound);
}

// A broadcast reaches the verified neighbours of the areas it names (and of their
// descendants) or that its polygon meets, staff covering any of them, and near-me circles
// centred inside; nobody else.
TEST(HubMatching, BroadcastReachesItsAreaOnly) {
  FakeLog log;
  HubOptions o = Options();
  o.area_descendants = [](const std::string& code) {
    if (code == "RM") return std::vector<std::string>{"13130", "13109", "N1", "N2"};
    if (code == "13130") return std::vector<std::string>{"N1"};
    if (code == "13109") return std::vector<std::string>{"N2"};
    return std::vector<std::string>{};
  };
  // A small square around N2's point meets N2 (and so its ancestors' shapes, which the
  // fake leaves out as the real index would list them too: only leaves matter here).
  o.areas_meeting = [](const std::vector<std::pair<double, double>>& ring) {
    for (const auto& [lat, lon] : ring)
      if (std::fabs(lat - kN2Lat) < 0.01 && std::fabs(lon - kN2Lon) < 0.01)
        return std::vector<std::string>{"N2"};
    return std::vector<std::string>{};
  };
  o.areas_at = [](double lat, double lon) {
    if (std::fabs(lat - kN1Lat) < 1e-6 && std::fabs(lon - kN1Lon) < 1e-6)
      return std::vector<std::string>{"13130", "N1", "RM"};
    if (std::fabs(lat - kN2Lat) < 1e-6 && std::fabs(lon - kN2Lon) < 1e-6)
      return std::vector<std::string>{"13109", "N2", "RM"};
    return std::vector<std::string>{};
  };
  Hub hub(log, o);
  ASSERT_TRUE(hub.Start().ok());
  std::map<std::string, SubscriberInfo> who = {
      {"member_n1", Info("M1", {{Role::kNeighbour, ""}}, {"N1"})},
      {"member_n2", Info("M2", {{Role::kNeighbour, ""}}, {"N2"})},
      {"member_13130", Info("M3", {{Role::kNeighbour, ""}}, {"13130"})},
      {"op_13130", Info("S1", {{Role::kOperator, "13130"}})},
      {"op_13109", Info("S2", {{Role::kOperator, "13109"}})},
      {"analyst_rm", Info("S3", {{Role::kAnalyst, "RM"}})},
      {"admin_all", Info("A", {{Role::kAdmin, "*"}})},
      {"near_n1", Info("X1")},
      {"near_n2", Info("X2")},
      {"stranger", Info("X")}};
  std::map<std::string, std::shared_ptr<FakeSink>> sinks;
  for (auto& [name, info] : who) {
    sinks[name] = std::make_shared<FakeSink>();
    auto id = hub.Open(info, sinks[name], std::nullopt);
    ASSERT_TRUE(id.ok());
    if (name == "near_n1") {
      ASSERT_TRUE(hub.SetNear(*id, Circle{kN1Lat, kN1Lon, 300}).ok());
    }
    if (name == "near_n2") {
      ASSERT_TRUE(hub.SetNear(*id, Circle{kN2Lat, kN2Lon, 300}).ok());
    }
  }
  const store::Event to_13130 = log.Append(
      {"broadcast.sent", "S1", "broadcast:b1", "broadcast",
       R"({"id":"b1","headline":"Corte de agua","areas":["13130"]})"});
  const std::string square = "[[" + std::to_string(kN2Lon - 0.002) + "," + std::to_string(kN2Lat - 0.002) +
                             "],[" + std::to_string(kN2Lon + 0.002) + "," + std::to_string(kN2Lat - 0.002) +
                             "],[" + std::to_string(kN2Lon + 0.002) + "," + std::to_string(kN2Lat + 0.002) +
                             "],[" + std::to_string(kN2Lon - 0.002) + "," + std::to_string(kN2Lat - 0.002) + "]]";
  const store::Event drawn = log.Append({"broadcast.sent", "S2", "broadcast:b2", "broadcast",
                                         R"({"id":"b2","headline":"Incendio","areas":[],"polygon":)" +
                                             square + "}"});
  hub.OnCommit({to_13130, drawn});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 2; }));
  std::map<std::string, std::vector<int64_t>> expected = {
      {"member_n1", {1}},  {"member_13130", {1}}, {"op_13130", {1}},  {"near_n1", {1}},
      {"member_n2", {2}},  {"op_13109", {2}},     {"near_n2", {2}},   {"analyst_rm", {1, 2}},
      {"admin_all", {1, 2}}, {"stranger", {}}};
  for (auto& [name, sink] : sinks) EXPECT_EQ(sink->Seqs(), expected[name]) << "principal " << name;

  // A resume replays a broadcast by the same rule.
  auto late = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("M4", {{Role::kNeighbour, ""}}, {"N2"}), late, 0).ok());
  ASSERT_TRUE(WaitUntil([&] { return late->Seqs().size() == 1; }));
  EXPECT_EQ(late->Seqs(), std::vector<int64_t>{2});
}

// A session.revoked event closes the streams of that login only (4003).
TEST(HubSessions, RevokedLoginClosesItsStreamsOnly) {
  FakeLog log;
  Hub hub(log, Options());
  ASSERT_TRUE(hub.Start().ok());
  SubscriberInfo phone = Info("U"), laptop = Info("U");
  phone.session_key = "aaaa";
  laptop.session_key = "bbbb";
  auto a = std::make_shared<FakeSink>(), b = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(phone, a, std::nullopt).ok());
  ASSERT_TRUE(hub.Open(laptop, b, std::nullopt).ok());
  hub.OnCommit({log.Append({"session.revoked", "U", "user:U", "user:U",
                            R"({"user_id":"U","session":"aaaa"})"})});
  hub.OnCommit({log.Append({"area.updated", "x", "area:RM", "public", "{}"})});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 2; }));
  EXPECT_TRUE(a->Closed());
  EXPECT_EQ(a->code(), kCloseRevoked);
  EXPECT_FALSE(b->Closed());
  EXPECT_EQ(b->Seqs(), (std::vector<int64_t>{1, 2}));  // its own revocation notice, then on
  EXPECT_EQ(hub.session_count(), 1u);
}

// The fan-out queues every message of a batch, then flushes each session once.
TEST(HubQueue, OneFlushPerSessionPerBatch) {
  FakeLog log;
  Hub hub(log, Options());
  ASSERT_TRUE(hub.Start().ok());
  auto a = std::make_shared<FakeSink>(), b = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("A"), a, std::nullopt).ok());
  ASSERT_TRUE(hub.Open(Info("B", {}, {"N2"}), b, std::nullopt).ok());
  std::vector<store::Event> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(log.Append({"area.updated", "x", "area:RM", "public", "{}"}));
  hub.OnCommit(batch);
  // last_seq moves before the fan-out ends: wait for both sessions' delivery (seen racing
  // once under a loaded machine).
  ASSERT_TRUE(WaitUntil([&] {
    return hub.last_seq() == 5 && a->Seqs().size() == 5u && b->flushes() >= 1;
  }));
  EXPECT_EQ(a->Seqs().size(), 5u);
  EXPECT_EQ(a->enqueued(), 5);
  EXPECT_EQ(a->flushes(), 1);
  EXPECT_EQ(b->flushes(), 1);
  // An event that matches nobody in a session flushes nothing there.
  hub.OnCommit({log.Append(ReportCreated({"p9", "Z"}))});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 6; }));
  EXPECT_EQ(a->flushes(), 1);
  EXPECT_EQ(b->flushes(), 1);
}

TEST(HubQueue, SlowSessionIsClosedWithoutDelayingOthers) {
  FakeLog log;
  Hub hub(log, Options());
  ASSERT_TRUE(hub.Start().ok());
  auto slow = std::make_shared<FakeSink>(/*bound=*/4);  // hello + 3 events fit
  auto fast = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("A"), slow, std::nullopt).ok());
  ASSERT_TRUE(hub.Open(Info("B"), fast, std::nullopt).ok());
  for (int i = 0; i < 10; ++i)
    hub.OnCommit({log.Append({"area.updated", "x", "area:RM", "public", "{}"})});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 10; }));
  EXPECT_EQ(fast->Seqs().size(), 10u);
  EXPECT_EQ(slow->Seqs(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(slow->Closed());
  EXPECT_EQ(slow->code(), kCloseTooSlow);
  EXPECT_EQ(hub.session_count(), 1u);
}

TEST(HubSessions, CapPerUserAndCloseAll) {
  FakeLog log;
  HubOptions o = Options();
  o.max_sessions_per_user = 2;
  Hub hub(log, o);
  ASSERT_TRUE(hub.Start().ok());
  auto a = std::make_shared<FakeSink>(), b = std::make_shared<FakeSink>(),
       c = std::make_shared<FakeSink>();
  auto ia = hub.Open(Info("U"), a, std::nullopt);
  ASSERT_TRUE(ia.ok());
  ASSERT_TRUE(hub.Open(Info("U"), b, std::nullopt).ok());
  EXPECT_EQ(hub.Open(Info("U"), c, std::nullopt).status().code(), Code::kRateLimited);
  hub.Close(*ia);
  EXPECT_TRUE(hub.Open(Info("U"), c, std::nullopt).ok());
  hub.CloseAll(kCloseGoingAway, "bye");
  EXPECT_EQ(b->code(), kCloseGoingAway);
  EXPECT_EQ(hub.session_count(), 0u);
  EXPECT_EQ(hub.Open(Info("V"), std::make_shared<FakeSink>(), std::nullopt).status().code(),
            Code::kUnavailable);
}

// Every session opened with `since` while another thread keeps publishing receives exactly
// the events after `since` that it may see: no gap, no duplicate, in order.
TEST(HubResume, NoLossNoDuplicateUnderConcurrentPublishing) {
  FakeLog log;
  HubOptions o = Options();
  o.max_queue = 1'000'000;
  o.replay_max_events = 1'000'000;
  Hub hub(log, o);
  ASSERT_TRUE(hub.Start().ok());
  constexpr int kEvents = 6000;
  // Event i is a public report in N1 (visible to the member) unless i % 3 == 0 (N2).
  std::atomic<int> published{0};
  std::thread writer([&] {
    std::mt19937 rng(7);
    int i = 1;
    while (i <= kEvents) {
      std::vector<store::Event> batch;
      const int n = 1 + static_cast<int>(rng() % 5);
      for (int k = 0; k < n && i <= kEvents; ++k, ++i)
        batch.push_back(log.Append(
            ReportCreated({"r" + std::to_string(i), "W", false, false, false, i % 3 != 0})));
      hub.OnCommit(batch);
      published = i - 1;
      if (rng() % 4 == 0) std::this_thread::yield();
    }
  });
  struct Opened {
    int64_t since;
    std::shared_ptr<FakeSink> sink;
  };
  std::vector<Opened> opened;
  std::mt19937 rng(11);
  while (published < kEvents) {
    const int64_t since = published == 0 ? 0 : static_cast<int64_t>(rng() % (published + 1));
    auto sink = std::make_shared<FakeSink>();
    ASSERT_TRUE(hub.Open(Info("M" + std::to_string(opened.size()), {}, {"N1"}), sink, since).ok());
    opened.push_back({since, sink});
    // About 60 sessions over the run, opened at random points of the stream.
    const int at = published;
    while (published < kEvents && published < at + kEvents / 60) std::this_thread::yield();
  }
  writer.join();
  ASSERT_GE(opened.size(), 5u);
  auto expected_for = [&](int64_t since) {
    std::vector<int64_t> out;
    for (int64_t s = since + 1; s <= kEvents; ++s)
      if (s % 3 != 0) out.push_back(s);
    return out;
  };
  for (const Opened& op : opened) {
    const auto want = expected_for(op.since);
    EXPECT_TRUE(WaitUntil([&] { return op.sink->Seqs().size() >= want.size(); }, 3000))
        << "since " << op.since;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto got = op.sink->Seqs();
    EXPECT_EQ(got, want) << "since " << op.since;
    if (got != want) {
      size_t i = 0;
      while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
      ADD_FAILURE() << "since " << op.since << ": got " << got.size() << " want " << want.size()
                    << ", first difference at " << i << ": "
                    << (i < got.size() ? got[i] : -1) << " vs " << (i < want.size() ? want[i] : -1);
    }
    EXPECT_EQ(op.sink->Types().front(), "hello");
  }
}

TEST(HubResume, PastTheBoundTheClientIsToldToRefetch) {
  FakeLog log;
  FakeClock clock(10 * 24 * 3600 * 1000LL);
  HubOptions o = Options();
  o.replay_max_events = 5;
  o.replay_max_age_ms = 3600 * 1000;
  o.clock = &clock;
  for (int i = 0; i < 20; ++i) log.Append({"area.updated", "x", "area:RM", "public", "{}"}, clock.NowMs() - 1000);
  Hub hub(log, o);
  ASSERT_TRUE(hub.Start().ok());
  EXPECT_EQ(hub.last_seq(), 20);

  auto far = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("A"), far, /*since=*/2).ok());  // 18 missed > 5
  auto near = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("B"), near, /*since=*/17).ok());  // 3 missed, recent
  ASSERT_TRUE(WaitUntil([&] { return far->Types().size() >= 2 && near->Seqs().size() >= 3; }));
  hub.OnCommit({log.Append({"area.updated", "x", "area:RM", "public", "{}"}, clock.NowMs())});
  ASSERT_TRUE(WaitUntil([&] { return far->Seqs().size() == 1 && near->Seqs().size() == 4; }));
  EXPECT_EQ(far->Types(), (std::vector<std::string>{"hello", "refetch", "area.updated"}));
  EXPECT_EQ(far->Seqs(), std::vector<int64_t>{21});
  EXPECT_EQ(near->Seqs(), (std::vector<int64_t>{18, 19, 20, 21}));

  // Few events, but older than the window: refetch as well.
  clock.Advance(2 * 3600 * 1000);
  auto old = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("C"), old, /*since=*/18).ok());
  ASSERT_TRUE(WaitUntil([&] { return old->Types().size() >= 2; }));
  EXPECT_EQ(old->Types()[1], "refetch");
  EXPECT_TRUE(old->Seqs().empty());
}

TEST(HubSessions, FamilyChangeReloadsSubscriptions) {
  FakeLog log;
  HubOptions o = Options();
  std::atomic<bool> linked{false};
  o.refresh = [&](const std::string& user) -> Result<SubscriberInfo> {
    return Info(user, {}, {}, linked ? std::vector<std::string>{"R"} : std::vector<std::string>{});
  };
  Hub hub(log, o);
  ASSERT_TRUE(hub.Start().ok());
  auto f = std::make_shared<FakeSink>();
  ASSERT_TRUE(hub.Open(Info("F"), f, std::nullopt).ok());
  hub.OnCommit({log.Append(ReportCreated({"p1", "R"}))});  // not family yet: nothing
  linked = true;
  hub.OnCommit({log.Append({"family.accepted", "F", "family:l1", "user:F", "{}"})});
  hub.OnCommit({log.Append(ReportCreated({"p2", "R", true, false, true}))});
  ASSERT_TRUE(WaitUntil([&] { return hub.last_seq() == 3; }));
  EXPECT_EQ(f->Seqs(), (std::vector<int64_t>{2, 3}));
}

}  // namespace
}  // namespace centinela::realtime
