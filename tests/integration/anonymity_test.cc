// The anonymous reporter is as anonymous in every answer and event as in the report itself,
// against the real binary on SQLite and PostgreSQL (issue 12, item 1: the flag queue named
// the reporter of an anonymous report through their comment's author_id).
//
// kAnswerFields lists every field of every answer that names a person (author, reporter,
// actor: the report, its comment thread, the comment list, the flag queue, the incident and
// its steps, the answers to moderation and step writes); kEventFields every such field of
// every event payload. The scenario — an anonymous report, its reporter's comment, a flag,
// moderation, an incident with steps — is played twice: by a neighbour reporter (the issue's
// case) and by a reporter who is also a covering operator and acts on their own report (so
// every actor field would name them). Then:
//   - a covering operator without deanonymise, the admin and a neighbour find the reporter's
//     id and name nowhere: not in any listed field, not anywhere in any answer body, not in
//     the live stream or its replay (WebSocket and SSE), and no deanonymised read is logged;
//   - an operator with a covering deanonymise grant sees the reporter in exactly the listed
//     fields, and each such answer wrote report.deanonymised_read before it came back;
//   - completeness: every field in those answers, and in every event payload of the log,
//     that holds a user's id or name is one the tables list (a new one fails here until it
//     is listed, and so decided).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "api_client.h"
#include "support/stream_client.h"

namespace centinela::testing {
namespace {

using std::chrono::milliseconds;

constexpr double kLat = -33.4960, kLon = -70.6510;  // inside the SM box

// Whom a listed field names in the scenario.
enum class Names {
  kReporter,  // the report's (anonymous) reporter, where it may be named
  kActor,     // whoever escalated, moderated, wrote steps: the reporter in the staff scene
  kOther,     // someone else (the member who commented, the caller): never the reporter
};

struct AnswerField {
  const char* answer;
  const char* path;  // JSON pointer, "*" for every element of an array
  Names names;
};

// Every field of an answer that names a person.
const AnswerField kAnswerFields[] = {
    {"report detail", "/reporter/id", Names::kReporter},
    {"report detail", "/reporter/display_name", Names::kReporter},
    {"report detail", "/thread/comments/*/author/id", Names::kReporter},
    {"report detail", "/thread/comments/*/author/display_name", Names::kReporter},
    {"report detail", "/thread/comments/*/hidden_by", Names::kActor},
    {"report list", "/reports/*/reporter/id", Names::kReporter},
    {"report list", "/reports/*/reporter/display_name", Names::kReporter},
    {"comments", "/comments/*/author/id", Names::kReporter},
    {"comments", "/comments/*/author/display_name", Names::kReporter},
    {"comments", "/comments/*/hidden_by", Names::kActor},
    {"open flags", "/flags/*/comment/author_id", Names::kReporter},
    {"resolved flags", "/flags/*/comment/author_id", Names::kOther},
    {"resolved flags", "/flags/*/resolved_by", Names::kActor},
    {"incident", "/created_by", Names::kActor},
    {"incident", "/steps/*/actor_id", Names::kActor},
    {"incident list", "/incidents/*/created_by", Names::kActor},
    {"hide answer", "/author/id", Names::kReporter},
    {"hide answer", "/author/display_name", Names::kReporter},
    {"hide answer", "/hidden_by", Names::kOther},  // the caller, who hides it
    {"unhide answer", "/author/id", Names::kReporter},
    {"unhide answer", "/author/display_name", Names::kReporter},
    {"step answer", "/created_by", Names::kActor},
    {"step answer", "/steps/*/actor_id", Names::kActor},
};

struct EventField {
  const char* type;
  const char* path;
  const char* scope_prefix;  // who receives it: only where this field may go
};

// Every field of an event payload that names a person, and the only audience it may have.
const EventField kEventFields[] = {
    // Report audience: the stream's hidden variants drop it (and any value naming the
    // reporter) for everyone the report hides the reporter from.
    {"report.created", "/reporter_id", "report:"},
    {"report.deanonymised_read", "/reader", "admin"},  // the audit of who deanonymised
    {"user.created", "/id", "admin"},
    {"grant.added", "/user_id", "admin"},
    {"session.created", "/user_id", "user:"},
    {"session.revoked", "/user_id", "user:"},
    {"user.profile_updated", "/display_name", "user:"},
};

// Every (path, value) of a document; array elements under "*".
void Walk(const json::value& v, const std::string& path,
          const std::function<void(const std::string&, const json::value&)>& f) {
  f(path, v);
  if (v.is_object())
    for (const auto& kv : v.get_object()) Walk(kv.value(), path + "/" + std::string(kv.key()), f);
  if (v.is_array())
    for (const json::value& e : v.get_array()) Walk(e, path + "/*", f);
}

std::vector<json::value> At(const json::value& doc, const std::string& path) {
  std::vector<json::value> out;
  Walk(doc, "", [&](const std::string& p, const json::value& v) {
    if (p == path) out.push_back(v);
  });
  return out;
}

bool Holds(const std::vector<json::value>& values, const std::string& s) {
  for (const json::value& v : values)
    if (v.is_string() && v.get_string() == s) return true;
  return false;
}

struct Person {
  std::string id, token, name;
};

struct AnonymityDeployment : Deployment {
  Person neighbour_reporter, staff_reporter, member, op, op_deanon, admin;
};

// What one scene leaves behind.
struct Scene {
  Person reporter, actor;
  std::string report, incident, by_reporter, by_member;
};

class AnonymityTest : public DeployedTest<AnonymityDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-anonymity"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
            "CENTINELA_COMMUNITY_COMMENTS_PER_MINUTE=100000",
            "CENTINELA_COMMUNITY_COMMENTS_PER_DAY=100000"};
  }
  void Populate(AnonymityDeployment& d) override {
    const Api api = this->api();
    api.AddBoxAreas(d.root);
    auto person = [&](Account a, const std::string& name) {
      if (!name.empty()) {
        Reply r = api.Call("PATCH", "/api/v1/me", Obj({{"display_name", name}}), a.second);
        EXPECT_EQ(r.status, 200) << r.body;
      }
      return Person{a.first, a.second, name};
    };
    d.neighbour_reporter = person(api.Neighbour("rosa@anon.cl", "Rosa Reportera"), "");
    d.neighbour_reporter.name = "Rosa Reportera";
    d.member = person(api.Neighbour("vecina@anon.cl", "Vecina Miguelina"), "");
    d.member.name = "Vecina Miguelina";
    ApproveMember(*d.db, d.member.id, "SM");
    d.staff_reporter =
        person(api.Staff(d.root, "olga@anon.cl", "operator", "SM"), "Olga Operadora Anonima");
    d.op = person(api.Staff(d.root, "op@anon.cl", "operator", "SM"), "Oscar Operador");
    d.op_deanon =
        person(api.Staff(d.root, "fiscal@anon.cl",
                         json::array{json::object{{"role", "operator"}, {"area", "SM"}},
                                     json::object{{"role", "deanonymise"}, {"area", "SM"}}}),
               "Fiscal Autorizada");
    Reply me = api.Call("GET", "/api/v1/me", "", d.root);
    ASSERT_EQ(me.status, 200) << me.body;
    d.admin = Person{std::string(me.Json().at("id").as_string()), d.root, ""};
    ASSERT_FALSE(d.neighbour_reporter.token.empty() || d.member.token.empty() ||
                 d.staff_reporter.token.empty() || d.op.token.empty() || d.op_deanon.token.empty());
  }

  std::string Id(const Reply& r) {
    EXPECT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    json::value v = r.Json();
    return v.is_object() && v.as_object().contains("id") ? std::string(v.at("id").as_string()) : "";
  }

  // The anonymous report, its reporter's comment flagged by an operator (the issue's
  // attack), a member's comment flagged and hidden by `actor`, and the incident `actor`
  // escalates and works.
  Scene Play(const Person& reporter, const Person& actor) {
    const Api a = api();
    Scene s{reporter, actor, "", "", "", ""};
    s.report = Id(a.Call("POST", "/api/v1/reports",
                         Obj({{"category", "robo"},
                              {"lat", kLat},
                              {"lon", kLon},
                              {"description", "dos en moto"},
                              {"anonymous", true}}),
                         reporter.token));
    auto comment = [&](const std::string& text, const std::string& token) {
      return Id(a.Call("POST", "/api/v1/reports/" + s.report + "/comments", Obj({{"body", text}}),
                       token));
    };
    s.by_reporter = comment("eran dos, uno con casco rojo", reporter.token);
    s.by_member = comment("compro celulares baratos", dep_->member.token);
    auto flag = [&](const std::string& comment_id, const std::string& token) {
      Reply f = a.Call("POST", "/api/v1/flags",
                       Obj({{"target", "comment:" + comment_id}, {"reason", "revisar"}}), token);
      EXPECT_EQ(f.status, 201) << f.body;
    };
    flag(s.by_reporter, dep_->op.token);  // an operator raises the flag himself
    flag(s.by_member, dep_->member.token);
    Reply hide = a.Call(
        "POST", "/api/v1/flags/resolve",
        Obj({{"target", "comment:" + s.by_member}, {"action", "hide"}, {"reason", "publicidad"}}),
        actor.token);
    EXPECT_EQ(hide.status, 200) << hide.body;
    s.incident = Id(a.Call("POST", "/api/v1/reports/" + s.report + "/escalate",
                           Obj({{"note", "revisar cámaras"}}), actor.token));
    EXPECT_EQ(a.Call("POST", "/api/v1/incidents/" + s.incident + "/steps",
                     Obj({{"kind", "note"}, {"note", "interno"}}), actor.token)
                  .status,
              201);
    EXPECT_EQ(a.Call("POST", "/api/v1/incidents/" + s.incident + "/transitions",
                     Obj({{"status", "acknowledged"}, {"note", "recibido"}}), actor.token)
                  .status,
              200);
    return s;
  }

  // Every answer of the table, as `token` would get it, in order (the writes are undone or
  // harmless).
  using Call = std::function<Reply()>;
  std::vector<std::pair<std::string, Call>> Answers(const Scene& s, const std::string& token) {
    const Api a = api();
    std::vector<std::pair<std::string, Call>> out;
    auto call = [a, token](const char* method, std::string target, std::string body = "") {
      return [a, token, method, target, body] { return a.Call(method, target, body, token); };
    };
    auto get = [&](const char* name, const std::string& target) {
      out.emplace_back(name, call("GET", target));
    };
    get("report detail", "/api/v1/reports/" + s.report);
    get("report list", "/api/v1/reports?area=SM&limit=200");
    get("comments", "/api/v1/reports/" + s.report + "/comments");
    get("open flags", "/api/v1/flags?area=SM&limit=200");
    get("resolved flags", "/api/v1/flags?area=SM&status=resolved&limit=200");
    get("incident", "/api/v1/incidents/" + s.incident);
    get("incident list", "/api/v1/incidents?area=SM&limit=200");
    out.emplace_back("hide answer", call("POST", "/api/v1/comments/" + s.by_reporter + "/hide",
                                         Obj({{"reason", "revisión"}})));
    out.emplace_back("unhide answer",
                     call("POST", "/api/v1/comments/" + s.by_reporter + "/unhide"));
    out.emplace_back("step answer", call("POST", "/api/v1/incidents/" + s.incident + "/steps",
                                         Obj({{"kind", "note"}, {"note", "visto"}})));
    return out;
  }

  int64_t DeanonymisedReads(const std::string& report) {
    auto n = dep_->db->Column(
        "SELECT COUNT(*) FROM events WHERE type = 'report.deanonymised_read' AND subject = "
        "'report:" +
        report + "'");
    return n.empty() ? -1 : std::stoll(n[0]);
  }

  // The ids and names of every account: what a field naming a person holds.
  std::vector<std::string> EveryIdAndName() const {
    std::vector<std::string> out;
    for (const Person* p : {&dep_->neighbour_reporter, &dep_->staff_reporter, &dep_->member,
                            &dep_->op, &dep_->op_deanon, &dep_->admin}) {
      out.push_back(p->id);
      if (!p->name.empty()) out.push_back(p->name);
    }
    return out;
  }

  // Every person-naming path of `doc` must be listed for `answer`.
  void ExpectListed(const std::string& answer, const json::value& doc) {
    const std::vector<std::string> people = EveryIdAndName();
    Walk(doc, "", [&](const std::string& path, const json::value& v) {
      if (!v.is_string()) return;
      if (std::find(people.begin(), people.end(), std::string(v.get_string())) == people.end())
        return;
      bool listed = false;
      for (const AnswerField& f : kAnswerFields) listed |= f.answer == answer && f.path == path;
      EXPECT_TRUE(listed) << "'" << answer << "' names a person at " << path
                          << ", which kAnswerFields does not list: decide it through "
                             "api::Attribution and list it";
    });
  }

  // The live stream replayed from the start (since=0) up to a marker sent now.
  std::vector<std::string> Replay(const std::string& token, bool sse) {
    const std::string marker = "RM marca " + std::to_string(++markers_);
    test::StreamConnectOptions o;
    o.token = token;
    o.since = 0;
    std::vector<std::string> out;
    auto collect = [&](auto& client) {
      std::string error;
      EXPECT_TRUE(client.Connect(o, &error)) << error;
      Reply r = api().Call("PATCH", "/api/v1/areas/RM", Obj({{"name", marker}}), dep_->root);
      EXPECT_EQ(r.status, 200) << r.body;
      for (;;) {
        auto m = client.Next(milliseconds(15'000));
        if (!m) {
          ADD_FAILURE() << "no marker on the stream within 15 s";
          break;
        }
        if (m->text.find(marker) != std::string::npos) break;
        out.push_back(m->text);
      }
      client.Close();
    };
    if (sse) {
      test::SseStreamClient c(dep_->server->port());
      collect(c);
    } else {
      test::WsStreamClient c(dep_->server->port());
      collect(c);
    }
    return out;
  }
  int markers_ = 0;
};

TEST_P(AnonymityTest, NoAnswerOrEventNamesTheAnonymousReporterWithoutADeanonymiseGrant) {
  std::vector<Scene> scenes;
  // The case: a neighbour reports anonymously and comments; the operator works it.
  scenes.push_back(Play(dep_->neighbour_reporter, dep_->op));
  // A covering operator who reported anonymously and acts on their own report.
  scenes.push_back(Play(dep_->staff_reporter, dep_->staff_reporter));
  for (const Scene& s : scenes) {
    ASSERT_FALSE(s.report.empty() || s.incident.empty() || s.by_reporter.empty());
    const std::string& rid = s.reporter.id;
    const bool staff_scene = s.actor.id == rid;
    SCOPED_TRACE(staff_scene ? "staff reporter" : "neighbour reporter");

    // Without a deanonymise grant: nowhere, and nothing logged.
    for (const Person* viewer : {&dep_->op, &dep_->admin, &dep_->member}) {
      const int64_t before = DeanonymisedReads(s.report);
      for (const auto& [answer, call] : Answers(s, viewer->token)) {
        SCOPED_TRACE(answer + " for " + viewer->id);
        const Reply reply = call();
        if (viewer == &dep_->op) {
          EXPECT_LT(reply.status, 300) << reply.body;
        }
        const json::value doc = reply.Json();
        for (const AnswerField& f : kAnswerFields) {
          if (f.answer != answer) continue;
          EXPECT_FALSE(Holds(At(doc, f.path), rid) || Holds(At(doc, f.path), s.reporter.name))
              << f.path << " names the anonymous reporter: " << reply.body;
        }
        EXPECT_EQ(reply.body.find(rid), std::string::npos) << reply.body;
        EXPECT_EQ(reply.body.find(s.reporter.name), std::string::npos) << reply.body;
      }
      EXPECT_EQ(DeanonymisedReads(s.report), before);
    }
    // The flag queue still tells the moderator whose comment it is, without naming them.
    {
      Reply q = api().Call("GET", "/api/v1/flags?area=SM&limit=200", "", dep_->op.token);
      bool found = false;
      const json::value doc = q.Json();
      ASSERT_TRUE(doc.is_object()) << q.status << " " << q.body;
      for (const json::value& f : doc.at("flags").as_array()) {
        if (f.at("target").as_string() != "comment:" + s.by_reporter) continue;
        found = true;
        EXPECT_TRUE(f.at("comment").at("author_id").is_null());
        const json::object& c = f.at("comment").as_object();
        EXPECT_TRUE(c.contains("by_reporter") && c.at("by_reporter").as_bool());
      }
      EXPECT_TRUE(found) << q.body;
    }

    // With a covering deanonymise grant: named in the listed fields, each read logged first.
    for (const auto& [answer, call] : Answers(s, dep_->op_deanon.token)) {
      SCOPED_TRACE(answer + " for the deanonymising operator");
      const int64_t before = DeanonymisedReads(s.report);
      const Reply reply = call();
      const int64_t after = DeanonymisedReads(s.report);
      ASSERT_LT(reply.status, 300) << reply.body;
      const json::value doc = reply.Json();
      ExpectListed(answer, doc);
      bool named = false;
      for (const AnswerField& f : kAnswerFields) {
        if (f.answer != answer) continue;
        const bool holds = Holds(At(doc, f.path), rid);
        const bool want = f.names == Names::kReporter || (f.names == Names::kActor && staff_scene);
        // Names fields are checked on their id; a display_name field follows its id.
        if (std::string(f.path).ends_with("display_name")) continue;
        if (want) {
          EXPECT_TRUE(holds) << f.path << ": " << reply.body;
        }
        if (f.names == Names::kOther) {
          EXPECT_FALSE(holds) << f.path;
        }
        named |= holds;
      }
      // An answer that names the reporter came after its read was durably logged (it is in
      // the log when the answer arrives); one that does not logged nothing.
      EXPECT_EQ(after > before, named) << before << " -> " << after;
    }
    const int64_t before = DeanonymisedReads(s.report);
    Reply flags = api().Call("GET", "/api/v1/flags?area=SM&limit=200", "", dep_->op_deanon.token);
    ASSERT_EQ(flags.status, 200);
    EXPECT_NE(flags.body.find(rid), std::string::npos);
    EXPECT_GT(DeanonymisedReads(s.report), before) << "the flag queue named the reporter unlogged";
    auto readers = dep_->db->Column(
        "SELECT actor FROM events WHERE type = 'report.deanonymised_read' AND subject = 'report:" +
        s.report + "'");
    for (const std::string& r : readers) EXPECT_EQ(r, dep_->op_deanon.id);

    // The reporter sees themselves.
    Reply own = api().Call("GET", "/api/v1/reports/" + s.report, "", s.reporter.token);
    EXPECT_EQ(own.Json().at("reporter").at("id").as_string(), rid);
  }

  // The live stream and its replay, WebSocket and SSE: never the reporter, deanonymise or
  // not. (The admin also gets account events — user.created, grant.added — which name staff
  // but say nothing of any report: for the admin, the messages about the scenes are checked.)
  for (const Person* viewer : {&dep_->op, &dep_->op_deanon, &dep_->admin, &dep_->member}) {
    for (bool sse : {false, true}) {
      std::vector<std::string> messages = Replay(viewer->token, sse);
      EXPECT_GT(messages.size(), 1u);
      for (const std::string& m : messages)
        for (const Scene& s : scenes) {
          bool about = false;
          for (const std::string* id : {&s.report, &s.incident, &s.by_reporter, &s.by_member})
            about |= m.find(*id) != std::string::npos;
          if (viewer == &dep_->admin && !about) continue;
          EXPECT_EQ(m.find(s.reporter.id), std::string::npos) << (sse ? "SSE: " : "WS: ") << m;
          EXPECT_EQ(m.find(s.reporter.name), std::string::npos) << (sse ? "SSE: " : "WS: ") << m;
        }
    }
  }

  // Every person-naming field of every event payload in the log is listed, with its audience;
  // events about the anonymous reports name their reporter only in report.created.
  const std::vector<std::string> people = EveryIdAndName();
  std::set<std::string> types;
  for (const std::string& row : dep_->db->Column(
           "SELECT type || '\t' || scope || '\t' || payload FROM events ORDER BY seq")) {
    const size_t t1 = row.find('\t'), t2 = row.find('\t', t1 + 1);
    ASSERT_NE(t2, std::string::npos) << row;
    const std::string type = row.substr(0, t1), scope = row.substr(t1 + 1, t2 - t1 - 1);
    const json::value payload = json::parse(row.substr(t2 + 1));
    types.insert(type);
    Walk(payload, "", [&](const std::string& path, const json::value& v) {
      if (!v.is_string()) return;
      const std::string value(v.get_string());
      if (std::find(people.begin(), people.end(), value) == people.end()) return;
      const EventField* listed = nullptr;
      for (const EventField& f : kEventFields)
        if (f.type == type && f.path == path) listed = &f;
      ASSERT_TRUE(listed) << type << " names a person at " << path
                          << ", which kEventFields does not list";
      EXPECT_EQ(scope.rfind(listed->scope_prefix, 0), 0u) << type << " " << path << " " << scope;
      if (std::string(listed->scope_prefix) == "user:" && path != "/display_name") {
        EXPECT_EQ(scope, "user:" + value) << type;  // only to that user
      }
      for (const Scene& s : scenes)
        if (value == s.reporter.id && scope == "report:" + s.report) {
          EXPECT_EQ(type, "report.created") << "an event about the report names its reporter";
        }
    });
  }
  // The scenario wrote the events whose payloads the table is about.
  for (const char* t :
       {"report.created", "comment.added", "flag.raised", "flag.resolved", "comment.hidden",
        "incident.created", "incident.step", "report.step", "report.deanonymised_read"})
    EXPECT_TRUE(types.count(t)) << t;
}

INSTANTIATE_TEST_SUITE_P(Backends, AnonymityTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
