// The command centre over loopback against the real binary, on SQLite and PostgreSQL: a
// neighbour's alert -> an operator escalates it -> the recommendation lists the nearest
// available unit first -> dispatch -> the responder accepts, goes en route and on scene
// with a photo -> closed with an outcome; the reporter's report detail and SSE stream show
// each public step in order and nothing internal. Also: 911 calls, area scope (403/404),
// invalid transitions (409 envelope), duplicates and merge, device keys, the JSON position
// batch, the trail as GeoJSON, and the OsmAnd listener (good input stored, bad input 400
// with nothing stored).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"

namespace centinela::testing {
namespace {

// San Miguel (13130), Santiago: the alert, and units around it.
constexpr double kLat = -33.4960, kLon = -70.6510;
constexpr double kMetresPerDegLat = 111'195.0;

double DLon(double metres) { return metres / (kMetresPerDegLat * std::cos(kLat * M_PI / 180)); }

// Reads an SSE stream for up to `wait`, or until `done(text)` holds.
std::string ReadSse(int port, const std::string& token, std::chrono::milliseconds wait,
                    const std::function<bool(const std::string&)>& done) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET /api/v1/stream/sse?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Accept: text/event-stream\r\nAuthorization: Bearer " +
                    token + "\r\n\r\n";
  if (::send(fd, req.data(), req.size(), 0) < 0) {
    ::close(fd);
    return "";
  }
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline && !done(text)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

struct DispatchDeployment : Deployment {
  Account reporter, member, outsider, op_in, op_out, responder, walker;
  int osmand_port = 0;
};

class DispatchTest : public DeployedTest<DispatchDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-dispatch"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_REPORTS_MAX_PER_MINUTE=100000", "CENTINELA_REPORTS_MAX_PER_DAY=100000",
            "CENTINELA_TRACKING_OSMAND_LISTEN=127.0.0.1:" + std::to_string(OsmAndPort())};
  }
  static int OsmAndPort() {
    static int port = FreePort();
    return port;
  }
  void Populate(DispatchDeployment& d) override {
    const Api api = this->api();
    d.osmand_port = OsmAndPort();
    api.AddSouthSantiagoAreas(d.root);
    d.reporter = api.Neighbour("reporter@test.cl", "Rosa");
    d.member = api.Neighbour("member@test.cl", "Vecina");
    d.outsider = api.Neighbour("outsider@test.cl", "Otro");
    ASSERT_FALSE(d.reporter.second.empty() || d.member.second.empty() ||
                 d.outsider.second.empty());
    ApproveMember(*d.db, d.member.first, "13130");
    ApproveMember(*d.db, d.outsider.first, "13109");
    d.op_in = api.Staff(d.root, "op.sm@test.cl", "operator", "13130");
    d.op_out = api.Staff(d.root, "op.lc@test.cl", "operator", "13109");
    d.responder = api.Staff(d.root, "carabinero@test.cl", "responder", "13130");
    d.walker = api.Staff(d.root, "pie@test.cl", "responder", "13130");
  }

  std::string Id(const Reply& r) {
    json::value v = r.Json();
    if (!v.is_object() || !v.as_object().contains("id")) return "";
    return std::string(v.at("id").as_string());
  }
  std::string PostReport(double lat, double lon, const std::string& category = "robo") {
    Reply r = api().Call("POST", "/api/v1/reports",
                         Api::Obj({{"category", category},
                                   {"lat", lat},
                                   {"lon", lon},
                                   {"description", "Me robaron el celular"}}),
                         dep_->reporter.second);
    EXPECT_EQ(r.status, 201) << r.body;
    return Id(r);
  }
  // A unit with a device whose one fix puts it `north_m` / `east_m` from the alert.
  std::string AddUnit(const std::string& callsign, const std::string& kind,
                      const std::string& agency, double north_m, double east_m,
                      json::array crew = {}) {
    Reply u = api().Call("POST", "/api/v1/units",
                         Api::Obj({{"callsign", callsign},
                                   {"agency", agency},
                                   {"kind", kind},
                                   {"home_area", "13130"},
                                   {"capabilities", json::array{"radio"}},
                                   {"crew", std::move(crew)}}),
                         dep_->op_in.second);
    EXPECT_EQ(u.status, 201) << u.body;
    const std::string id = Id(u);
    Reply dev = api().Call("POST", "/api/v1/units/" + id + "/devices", "", dep_->op_in.second);
    EXPECT_EQ(dev.status, 201) << dev.body;
    const std::string key(dev.Json().at("key").as_string());
    Reply fix = api().Call(
        "POST", "/api/v1/positions",
        Api::Obj({{"fixes", json::array{json::object{{"lat", kLat + north_m / kMetresPerDegLat},
                                                     {"lon", kLon + DLon(east_m)},
                                                     {"speed", 0}}}}}),
        "", {{"X-Device-Key", key}});
    EXPECT_EQ(fix.status, 200) << fix.body;
    return id;
  }
  Reply Transition(const std::string& id, json::object body, const std::string& token = "") {
    return api().Call("POST", "/api/v1/incidents/" + id + "/transitions", Api::Obj(body),
                      token.empty() ? dep_->op_in.second : token);
  }
};

TEST_P(DispatchTest, AlertToClosedWithThePublicTimelineOnTheReportersStream) {
  const Api a = api();
  const std::string report = PostReport(kLat, kLon);
  ASSERT_FALSE(report.empty());

  // Escalation: only operators covering the place (404 to the other precinct).
  EXPECT_EQ(a.Call("POST", "/api/v1/reports/" + report + "/escalate", "", dep_->op_out.second)
                .status,
            404);
  EXPECT_EQ(a.Call("POST", "/api/v1/reports/" + report + "/escalate", "",
                   dep_->reporter.second)
                .status,
            403);
  Reply esc = a.Call("POST", "/api/v1/reports/" + report + "/escalate",
                     Api::Obj({{"priority", "P2"}, {"note", "nota interna: patente ABCD12"}}),
                     dep_->op_in.second);
  ASSERT_EQ(esc.status, 201) << esc.body;
  const std::string incident = Id(esc);
  EXPECT_EQ(esc.Json().at("status").as_string(), "new");
  EXPECT_EQ(esc.Json().at("priority").as_string(), "P2");
  EXPECT_EQ(esc.Json().at("reports").as_array().size(), 1u);
  {
    // The list names the reports each incident holds (the console's queue hides them).
    Reply list = a.Call("GET", "/api/v1/incidents", "", dep_->op_in.second);
    ASSERT_EQ(list.status, 200) << list.body;
    const json::value doc = list.Json();
    bool found = false;
    for (const json::value& n : doc.at("incidents").as_array()) {
      if (n.at("id").as_string() != incident) continue;
      found = true;
      ASSERT_EQ(n.at("reports").as_array().size(), 1u) << list.body;
      EXPECT_EQ(n.at("reports").as_array()[0].as_string(), report);
    }
    EXPECT_TRUE(found) << list.body;
  }
  EXPECT_EQ(a.Call("POST", "/api/v1/reports/" + report + "/escalate", "", dep_->op_in.second)
                .status,
            409);  // one report, one incident

  // Before any public step the reporter sees the incident with no steps.
  Reply seen = a.Call("GET", "/api/v1/reports/" + report, "", dep_->reporter.second);
  ASSERT_EQ(seen.status, 200);
  EXPECT_EQ(seen.Json().at("incident").at("steps").as_array().size(), 0u);

  Reply ack = Transition(incident, {{"status", "acknowledged"}, {"note", "Recibimos su aviso"}});
  ASSERT_EQ(ack.status, 200) << ack.body;
  Reply bad = Transition(incident, {{"status", "on_scene"}});
  EXPECT_EQ(bad.status, 409);
  EXPECT_EQ(bad.ErrorCode(), "conflict");
  EXPECT_EQ(Transition(incident, {{"status", "flying"}}).status, 422);
  EXPECT_EQ(Transition(incident, {{"status", "dispatched"}}, dep_->op_out.second).status, 404);
  ASSERT_EQ(a.Call("POST", "/api/v1/incidents/" + incident + "/steps",
                   Api::Obj({{"kind", "contacted"}, {"note", "La llamamos al celular"}}),
                   dep_->op_in.second)
                .status,
            201);
  ASSERT_EQ(a.Call("POST", "/api/v1/incidents/" + incident + "/steps",
                   Api::Obj({{"kind", "note"}, {"note", "SECRETO: informante 44"}}),
                   dep_->op_in.second)
                .status,
            201);

  // Units: the car 600 m away arrives before the foot patrol 250 m away and the car 3 km
  // away; the ambulance is of an agency "robo" does not route to.
  const std::string near_car = AddUnit("M-1", "patrol_car", "police", 600, 0,
                                       json::array{json::value(dep_->responder.first)});
  const std::string far_car = AddUnit("M-2", "patrol_car", "police", -3000, 0);
  const std::string foot = AddUnit("P-1", "foot", "police", 0, 250,
                                   json::array{json::value(dep_->walker.first)});
  const std::string ambulance = AddUnit("SAMU-1", "ambulance", "medical", 100, 0);
  Reply rec = a.Call("GET", "/api/v1/incidents/" + incident + "/recommendations?k=5", "",
                     dep_->op_in.second);
  ASSERT_EQ(rec.status, 200) << rec.body;
  const json::value rec_doc = rec.Json();
  const json::array& units = rec_doc.at("units").as_array();
  ASSERT_EQ(units.size(), 3u) << rec.body;
  EXPECT_EQ(units[0].at("unit_id").as_string(), near_car);
  EXPECT_EQ(units[1].at("unit_id").as_string(), foot);
  EXPECT_EQ(units[2].at("unit_id").as_string(), far_car);
  EXPECT_NEAR(units[0].at("distance_m").to_number<double>(), 600, 5);
  EXPECT_NEAR(units[2].at("distance_m").to_number<double>(), 3000, 10);
  for (const json::value& u : units) EXPECT_NE(u.at("unit_id").as_string(), ambulance);

  // Dispatch the first; a busy unit cannot be sent twice.
  Reply dis = a.Call("POST", "/api/v1/incidents/" + incident + "/dispatch",
                     Api::Obj({{"unit_id", near_car}}), dep_->op_in.second);
  ASSERT_EQ(dis.status, 200) << dis.body;
  EXPECT_EQ(dis.Json().at("status").as_string(), "dispatched");
  EXPECT_EQ(a.Call("POST", "/api/v1/incidents/" + incident + "/dispatch",
                   Api::Obj({{"unit_id", near_car}}), dep_->op_in.second)
                .status,
            409);
  Reply rec2 = a.Call("GET", "/api/v1/incidents/" + incident + "/recommendations", "",
                      dep_->op_in.second);
  EXPECT_EQ(rec2.Json().at("units").as_array()[0].at("unit_id").as_string(), foot);

  // The responder: sees the unit, accepts, goes en route and on scene with a photo.
  Reply mine = a.Call("GET", "/api/v1/units/mine", "", dep_->responder.second);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.Json().at("units").as_array().size(), 1u);
  EXPECT_EQ(mine.Json().at("units").as_array()[0].at("incident_id").as_string(), incident);
  {
    // The crew's phone gets what it needs of the call, not yet accepted.
    const json::value mine_doc = mine.Json();
    const json::object& job = mine_doc.at("units").as_array()[0].at("assignment").as_object();
    EXPECT_EQ(job.at("incident_id").as_string(), incident);
    EXPECT_EQ(job.at("category").as_string(), "robo");
    EXPECT_EQ(job.at("priority").as_string(), "P2");
    EXPECT_EQ(job.at("status").as_string(), "dispatched");
    EXPECT_NEAR(job.at("lat").to_number<double>(), kLat, 1e-6);
    EXPECT_TRUE(job.at("assigned_at").is_string());
    EXPECT_TRUE(job.at("accepted_at").is_null());
  }
  EXPECT_EQ(a.Call("POST", "/api/v1/units/" + near_car + "/accept", "", dep_->walker.second)
                .status,
            404);  // not its crew
  ASSERT_EQ(a.Call("POST", "/api/v1/units/" + near_car + "/accept", "", dep_->responder.second)
                .status,
            200);
  {
    Reply accepted = a.Call("GET", "/api/v1/units/mine", "", dep_->responder.second);
    const json::value doc = accepted.Json();
    EXPECT_TRUE(doc.at("units").as_array()[0].at("assignment").at("accepted_at").is_string())
        << accepted.body;
    // A crew member of no unit on a call has nothing assigned.
    Reply idle = a.Call("GET", "/api/v1/units/mine", "", dep_->walker.second);
    const json::value idle_doc = idle.Json();
    EXPECT_TRUE(idle_doc.at("units").as_array()[0].at("assignment").is_null()) << idle.body;
  }
  Reply go = a.Call("POST", "/api/v1/units/" + near_car + "/status",
                    Api::Obj({{"status", "en_route"}}), dep_->responder.second);
  ASSERT_EQ(go.status, 200) << go.body;
  const std::string jpeg =
      ReadFile(std::string(CENTINELA_SOURCE_DIR) + "/tests/testdata/media/python_16x16.jpg");
  ASSERT_FALSE(jpeg.empty());
  Reply photo = a.Call("PUT", "/api/v1/media", jpeg, dep_->responder.second,
                       {{"Content-Type", "image/jpeg"}});
  ASSERT_EQ(photo.status, 201) << photo.body;
  const std::string media = Id(photo);
  Reply there = a.Call("POST", "/api/v1/units/" + near_car + "/status",
                       Api::Obj({{"status", "on_scene"},
                                 {"note", "Carabineros en el lugar"},
                                 {"media_id", media}}),
                       dep_->responder.second);
  ASSERT_EQ(there.status, 200) << there.body;
  EXPECT_EQ(Transition(incident, {{"status", "resolved"}}).status, 200);
  Reply no_outcome = Transition(incident, {{"status", "closed"}});
  EXPECT_EQ(no_outcome.status, 422);
  Reply closed = Transition(incident, {{"status", "closed"},
                                       {"outcome", "arrest"},
                                       {"note", "Detenido; especies recuperadas"}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  const json::value doc = closed.Json();
  EXPECT_EQ(doc.at("outcome").as_string(), "arrest");
  const json::object& rt = doc.at("response_times").as_object();
  for (const char* k : {"seconds_to_acknowledge", "seconds_to_dispatch", "seconds_to_on_scene",
                        "seconds_to_close"})
    EXPECT_TRUE(rt.at(k).is_number()) << k;
  EXPECT_LE(rt.at("seconds_to_acknowledge").to_number<double>(),
            rt.at("seconds_to_dispatch").to_number<double>());
  EXPECT_LE(rt.at("seconds_to_on_scene").to_number<double>(),
            rt.at("seconds_to_close").to_number<double>());

  // The reporter's report: status followed; the public steps in order; nothing internal.
  const std::vector<std::string> kPublic = {"acknowledged", "contacted", "en_route", "on_scene",
                                            "closed"};
  for (const Account* who : {&dep_->reporter, &dep_->member}) {
    Reply r = a.Call("GET", "/api/v1/reports/" + report, "", who->second);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json().at("status").as_string(), "closed");
    const json::value r_doc = r.Json();
    const json::array& steps = r_doc.at("incident").at("steps").as_array();
    ASSERT_EQ(steps.size(), kPublic.size()) << r.body;
    for (size_t i = 0; i < steps.size(); ++i)
      EXPECT_EQ(steps[i].at("kind").as_string(), kPublic[i]) << i;
    EXPECT_EQ(steps[0].at("label").at("es").as_string(), "aviso recibido");
    EXPECT_EQ(steps[3].at("media_id").as_string(), media);
    EXPECT_EQ(r.body.find("SECRETO"), std::string::npos);
    EXPECT_EQ(r.body.find("ABCD12"), std::string::npos);
    EXPECT_EQ(r.body.find("actor_id"), std::string::npos);
  }
  EXPECT_EQ(a.Call("GET", "/api/v1/reports/" + report, "", dep_->outsider.second).status, 404);
  // The on-scene photo reaches whoever sees the public step (metadata-stripped copy).
  EXPECT_EQ(a.Call("GET", "/api/v1/media/" + media, "", dep_->reporter.second).status, 200);
  EXPECT_EQ(a.Call("GET", "/api/v1/media/" + media, "", dep_->outsider.second).status, 404);

  // The reporter's live stream (SSE, replayed from the start of the log): the five public
  // steps in order, no internal note.
  const std::vector<std::string> labels = {"aviso recibido", "lo llamamos", "carro en camino",
                                           "en el lugar", "cerrado"};
  std::string sse = ReadSse(dep_->server->port(), dep_->reporter.second,
                            std::chrono::seconds(5), [&](const std::string& t) {
                              return t.find("\"cerrado\"") != std::string::npos;
                            });
  size_t at = 0;
  for (const std::string& l : labels) {
    size_t found = sse.find("\"" + l + "\"", at);
    ASSERT_NE(found, std::string::npos) << l << " missing or out of order in:\n" << sse;
    at = found;
  }
  EXPECT_EQ(sse.find("SECRETO"), std::string::npos);
  EXPECT_EQ(sse.find("ABCD12"), std::string::npos);

  // The log holds one report.step per public step, scoped to the report.
  auto scopes = dep_->db->Column("SELECT scope FROM events WHERE type = 'report.step' AND "
                                 "subject = 'report:" + report + "' ORDER BY seq");
  EXPECT_EQ(scopes.size(), kPublic.size());
  for (const std::string& s : scopes) EXPECT_EQ(s, "report:" + report);
  // The crew heard of the call on its own scope.
  auto assigned = dep_->db->Column("SELECT scope FROM events WHERE type = 'unit.assigned'");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0], "user:" + dep_->responder.first);

  // The unit is free again once the crew says so.
  EXPECT_EQ(a.Call("POST", "/api/v1/units/" + near_car + "/status",
                   Api::Obj({{"status", "available"}}), dep_->responder.second)
                .status,
            200);
  EXPECT_EQ(a.Call("POST", "/api/v1/units/" + near_car + "/status",
                   Api::Obj({{"status", "on_scene"}}), dep_->responder.second)
                .status,
            409);

  // Reopen needs a reason.
  EXPECT_EQ(Transition(incident, {{"status", "acknowledged"}}).status, 422);
  EXPECT_EQ(Transition(incident, {{"status", "acknowledged"}, {"reason", "volvió a llamar"}}).status,
            200);
}

// The armed forces take support tasks only (logistics, disaster, border): a category may
// route to them only in a support family, they are never recommended for "any agency", and
// a unit of theirs is never dispatched to a crime incident (auth::AgencyTable()).
TEST_P(DispatchTest, ArmedForcesAreGivenSupportTasksOnly) {
  const Api a = api();
  json::object crime_cat{{"code", "robo_militar"},
                         {"family", "crime"},
                         {"priority", 2},
                         {"sensitivity", "public"},
                         {"agencies", json::array{"police", "armed_forces"}},
                         {"labels", json::object{{"es", "Robo"}, {"en", "Robbery"}}}};
  Reply refused = a.Call("POST", "/api/v1/categories", Api::Obj(crime_cat), dep_->root);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("support tasks only"), std::string::npos) << refused.body;
  json::object flood{{"code", "inundacion_" + GetParam()},
                     {"family", "disaster"},
                     {"priority", 1},
                     {"sensitivity", "public"},
                     {"agencies", json::array{"civil_protection", "armed_forces"}},
                     {"labels", json::object{{"es", "Inundación"}, {"en", "Flood"}}}};
  Reply created = a.Call("POST", "/api/v1/categories", Api::Obj(flood), dep_->root);
  ASSERT_EQ(created.status, 201) << created.body;

  const std::string army = AddUnit("EJ-" + GetParam(), "patrol_car", "armed_forces", 50, 0);
  json::object robbery{{"category", "robo"}, {"lat", kLat}, {"lon", kLon}, {"caller_name", "Ana"}};
  Reply c = a.Call("POST", "/api/v1/incidents", Api::Obj(robbery), dep_->op_in.second);
  ASSERT_EQ(c.status, 201) << c.body;
  const std::string crime_incident = Id(c);
  Reply rec = a.Call("GET", "/api/v1/incidents/" + crime_incident + "/recommendations?k=50", "",
                     dep_->op_in.second);
  ASSERT_EQ(rec.status, 200) << rec.body;
  const json::value rec_doc = rec.Json();
  for (const json::value& u : rec_doc.at("units").as_array())
    EXPECT_NE(u.at("unit_id").as_string(), army) << rec.body;
  Reply dis = a.Call("POST", "/api/v1/incidents/" + crime_incident + "/dispatch",
                     Api::Obj({{"unit_id", army}}), dep_->op_in.second);
  EXPECT_EQ(dis.status, 422) << dis.body;
  EXPECT_NE(dis.body.find("support tasks only"), std::string::npos) << dis.body;

  json::object flooding{{"category", std::string(flood.at("code").as_string())},
                        {"lat", kLat}, {"lon", kLon}, {"caller_name", "Ana"}};
  Reply f = a.Call("POST", "/api/v1/incidents", Api::Obj(flooding), dep_->op_in.second);
  ASSERT_EQ(f.status, 201) << f.body;
  Reply ok = a.Call("POST", "/api/v1/incidents/" + Id(f) + "/dispatch",
                    Api::Obj({{"unit_id", army}}), dep_->op_in.second);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_P(DispatchTest, CallsDuplicatesAndMerge) {
  const Api a = api();
  json::object call{{"category", "robo"},       {"lat", kLat + 0.0005},
                    {"lon", kLon},               {"caller_name", "Juan Pérez"},
                    {"caller_phone", "+56 9 1234 5678"}, {"priority", "P1"},
                    {"notes", "Dos sujetos en moto"}};
  EXPECT_EQ(a.Call("POST", "/api/v1/incidents", Api::Obj(call), dep_->op_out.second).status, 403);
  EXPECT_EQ(a.Call("POST", "/api/v1/incidents", Api::Obj(call), dep_->reporter.second).status,
            403);
  json::object bad = call;
  bad["caller_phone"] = "call me maybe";
  EXPECT_EQ(a.Call("POST", "/api/v1/incidents", Api::Obj(bad), dep_->op_in.second).status, 422);
  Reply c = a.Call("POST", "/api/v1/incidents", Api::Obj(call), dep_->op_in.second);
  ASSERT_EQ(c.status, 201) << c.body;
  const std::string incident = Id(c);
  EXPECT_EQ(c.Json().at("source").as_string(), "call");
  EXPECT_EQ(c.Json().at("caller").at("phone").as_string(), "+56 9 1234 5678");
  EXPECT_EQ(c.Json().at("priority").as_string(), "P1");

  // Two alerts: one 100 m away (a duplicate), one 700 m away (not).
  const std::string near = PostReport(kLat + 0.0005 + 100 / kMetresPerDegLat, kLon);
  const std::string far = PostReport(kLat - 0.006, kLon);  // ~700 m, still San Miguel
  const std::string other_family = PostReport(kLat + 0.0005, kLon, "luminaria_apagada");
  Reply d = a.Call("GET", "/api/v1/incidents/" + incident + "/duplicates", "", dep_->op_in.second);
  ASSERT_EQ(d.status, 200) << d.body;
  std::vector<std::string> ids;
  const json::value d_doc = d.Json();
  for (const json::value& v : d_doc.at("duplicates").as_array())
    ids.emplace_back(v.at("id").as_string());
  EXPECT_NE(std::find(ids.begin(), ids.end(), near), ids.end()) << d.body;
  EXPECT_EQ(std::find(ids.begin(), ids.end(), far), ids.end());
  EXPECT_EQ(std::find(ids.begin(), ids.end(), other_family), ids.end());

  Reply m = a.Call("POST", "/api/v1/incidents/" + incident + "/merge",
                   Api::Obj({{"reports", json::array{json::value(near)}}}), dep_->op_in.second);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.Json().at("reports").as_array().size(), 1u);
  EXPECT_EQ(a.Call("POST", "/api/v1/incidents/" + incident + "/merge",
                   Api::Obj({{"reports", json::array{json::value(other_family)}}}),
                   dep_->op_in.second)
                .status,
            422);
  // A second incident from the far alert, merged in: one incident, one timeline.
  Reply e = a.Call("POST", "/api/v1/reports/" + far + "/escalate", "", dep_->op_in.second);
  ASSERT_EQ(e.status, 201) << e.body;
  const std::string second = Id(e);
  Reply m2 = a.Call("POST", "/api/v1/incidents/" + incident + "/merge",
                    Api::Obj({{"incidents", json::array{json::value(second)}}}),
                    dep_->op_in.second);
  ASSERT_EQ(m2.status, 200) << m2.body;
  EXPECT_EQ(m2.Json().at("reports").as_array().size(), 2u);
  Reply gone = a.Call("GET", "/api/v1/incidents/" + second, "", dep_->op_in.second);
  EXPECT_EQ(gone.Json().at("merged_into").as_string(), incident);
  EXPECT_EQ(Transition(second, {{"status", "acknowledged"}}).status, 409);
  // Both reporters' reports now follow the one incident.
  EXPECT_EQ(Transition(incident, {{"status", "acknowledged"}}).status, 200);
  for (const std::string& r : {near, far}) {
    Reply rr = a.Call("GET", "/api/v1/reports/" + r, "", dep_->reporter.second);
    EXPECT_EQ(rr.Json().at("incident").at("id").as_string(), incident);
    EXPECT_EQ(rr.Json().at("status").as_string(), "acknowledged");
  }
  Reply list = a.Call("GET", "/api/v1/incidents?status=acknowledged", "", dep_->op_in.second);
  ASSERT_EQ(list.status, 200);
  EXPECT_GE(list.Json().at("incidents").as_array().size(), 1u);
  Reply outside = a.Call("GET", "/api/v1/incidents", "", dep_->op_out.second);
  ASSERT_EQ(outside.status, 200);
  EXPECT_EQ(outside.body.find(incident), std::string::npos);
}

TEST_P(DispatchTest, PositionsTrailAndOsmAnd) {
  const Api a = api();
  Reply u = a.Call("POST", "/api/v1/units",
                   Api::Obj({{"callsign", "Z-9"},
                             {"agency", "police"},
                             {"kind", "motorbike"},
                             {"home_area", "13130"}}),
                   dep_->op_in.second);
  ASSERT_EQ(u.status, 201) << u.body;
  const std::string unit = Id(u);
  EXPECT_EQ(a.Call("POST", "/api/v1/units",
                   Api::Obj({{"callsign", "Z-9"}, {"agency", "police"}, {"kind", "motorbike"},
                             {"home_area", "13130"}}),
                   dep_->op_in.second)
                .status,
            409);
  Reply dev = a.Call("POST", "/api/v1/units/" + unit + "/devices",
                     Api::Obj({{"external_id", "902064"}}), dep_->op_in.second);
  ASSERT_EQ(dev.status, 201) << dev.body;
  const std::string key(dev.Json().at("key").as_string());

  // JSON batch: bad key 401, a bad fix refuses the whole batch.
  json::array fixes;
  for (int i = 0; i < 5; ++i)
    fixes.push_back(json::object{{"time", "2026-01-10T12:00:0" + std::to_string(i) + "Z"},
                                 {"lat", kLat + i * 0.0001},
                                 {"lon", kLon}});
  EXPECT_EQ(a.Call("POST", "/api/v1/positions", Api::Obj({{"fixes", fixes}}), "",
                   {{"X-Device-Key", "nope"}})
                .status,
            401);
  json::array with_bad = fixes;
  with_bad.push_back(json::object{{"lat", 91}, {"lon", 0}});
  EXPECT_EQ(a.Call("POST", "/api/v1/positions", Api::Obj({{"fixes", with_bad}}), "",
                   {{"X-Device-Key", key}})
                .status,
            422);
  auto count = [&] {
    return dep_->db->Column("SELECT COUNT(*) FROM positions WHERE unit_id = '" + unit + "'")[0];
  };
  EXPECT_EQ(count(), "0");
  Reply ok = a.Call("POST", "/api/v1/positions", Api::Obj({{"fixes", fixes}}), "",
                    {{"X-Device-Key", key}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json().at("stored").as_int64(), 5);
  EXPECT_EQ(count(), "5");

  Reply trail = a.Call("GET",
                       "/api/v1/units/" + unit +
                           "/trail?from=2026-01-10T11:00:00Z&to=2026-01-10T13:00:00Z",
                       "", dep_->op_in.second);
  ASSERT_EQ(trail.status, 200) << trail.body;
  const json::value t = trail.Json();
  EXPECT_EQ(t.at("geometry").at("type").as_string(), "LineString");
  const json::array& coords = t.at("geometry").at("coordinates").as_array();
  ASSERT_EQ(coords.size(), 5u);
  EXPECT_NEAR(coords[4].as_array()[1].to_number<double>(), kLat + 0.0004, 1e-9);
  EXPECT_NEAR(coords[0].as_array()[0].to_number<double>(), kLon, 1e-9);
  EXPECT_EQ(trail.body.find("E1"), std::string::npos);  // plain decimals
  EXPECT_EQ(a.Call("GET", "/api/v1/units/" + unit + "/trail", "", dep_->op_out.second).status,
            404);

  // OsmAnd on its own port: a Traccar vector (L41) with our device id is stored.
  Api osmand(dep_->osmand_port);
  Reply good = osmand.Call("GET",
                           "/?id=902064&lat=-33.49&lon=-70.65&timestamp=2016-01-27T18%3A55%3A47Z"
                           "&hdop=6.0&altitude=224.0&speed=10.0");
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(count(), "6");
  auto speed = dep_->db->Column("SELECT speed_mps FROM positions WHERE unit_id = '" + unit +
                                "' AND time_ms = 1453920947000");
  ASSERT_EQ(speed.size(), 1u);
  EXPECT_NEAR(std::stod(speed[0]), 10 * 1852.0 / 3600, 1e-6);  // knots -> m/s
  // The JSON form.
  Reply js = osmand.Call(
      "POST", "/",
      R"({"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":-33.5,"longitude":-70.66,"speed":3,"heading":-1}},"device_id":"902064"})");
  EXPECT_EQ(js.status, 200) << js.body;
  EXPECT_EQ(count(), "7");
  // The form body.
  Reply form = osmand.Call("POST", "/", "id=902064&lat=-33.51&lon=-70.67&timestamp=1504763810",
                           "", {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 200) << form.body;
  EXPECT_EQ(count(), "8");
  // Bad input: 400, nothing stored.
  for (const char* target :
       {"/?lat=-33.49&lon=-70.65", "/?id=902064&lat=north&lon=-70.65",
        "/?id=902064&lat=-33.49", "/?id=902064&lat=95&lon=-70.65&timestamp=1504763811",
        "/?id=902064&lat=-33.49&lon=-70.65&timestamp=tomorrow", "/?id=unknown&lat=1&lon=2"}) {
    Reply r = osmand.Call("GET", target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    EXPECT_EQ(r.ErrorCode(), "bad_request") << target;
  }
  EXPECT_EQ(osmand.Call("POST", "/", "{not json").status, 400);
  EXPECT_EQ(osmand.Call("POST", "/", R"({"device_id":"nobody","location":{}})").status, 404);
  EXPECT_EQ(count(), "8");

  // The latest position and stale flag on the unit.
  Reply got = a.Call("GET", "/api/v1/units/" + unit, "", dep_->op_in.second);
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(got.Json().at("position").is_object());
  EXPECT_FALSE(got.Json().at("stale").as_bool());
}

// Issue 12, item 2: a step shows only media of its own incident (a photo of one of its
// reports, one already on its steps, or the actor's own fresh upload), 422 otherwise; and a
// media goes out as the most restrictive of its uses, so the photo of a restricted report
// (domestic violence) never reaches the neighbourhood or a family through a public step,
// even where it is on one (a step written before this rule, or a merge that made it one of
// the incident's photos).
TEST_P(DispatchTest, StepsShowOnlyTheirIncidentsMediaAndRestrictedPhotosStayRestricted) {
  const Api a = api();
  const std::string jpeg =
      ReadFile(std::string(CENTINELA_SOURCE_DIR) + "/tests/testdata/media/python_16x16.jpg");
  ASSERT_FALSE(jpeg.empty());
  auto upload = [&](const std::string& token) {
    return Id(a.Call("PUT", "/api/v1/media", jpeg, token, {{"Content-Type", "image/jpeg"}}));
  };
  auto report = [&](const std::string& category, const std::string& photo,
                    const std::string& token) {
    return Id(a.Call("POST", "/api/v1/reports",
                     Api::Obj({{"category", category},
                               {"lat", kLat},
                               {"lon", kLon},
                               {"media", json::array{json::value(photo)}}}),
                     token));
  };
  auto step = [&](const std::string& incident, const std::string& media) {
    return a.Call("POST", "/api/v1/incidents/" + incident + "/steps",
                  Api::Obj({{"kind", "contacted"}, {"media_id", media}, {"public", true}}),
                  dep_->op_in.second);
  };
  auto fetch = [&](const std::string& media, const std::string& token) {
    return a.Call("GET", "/api/v1/media/" + media, "", token).status;
  };

  // A victim's restricted report with a photo; a neighbour's public report (same category
  // family) with a photo, escalated; that neighbour's family.
  auto [victim_id, victim] = a.Neighbour("victima-" + GetParam() + "@test.cl");
  auto [vecino_id, vecino] = a.Neighbour("vecino-" + GetParam() + "@test.cl");
  auto [hija_id, hija] = a.Neighbour("hija-" + GetParam() + "@test.cl");
  ASSERT_FALSE(victim.empty() || vecino.empty() || hija.empty());
  dep_->db->Exec(
      "INSERT INTO family_links (id, owner_id, member_id, status, created_ms, updated_ms) "
      "VALUES ('fl-" +
      GetParam() + "', '" + vecino_id + "', '" + hija_id + "', 'accepted', 0, 0)");
  const std::string secret = upload(victim);
  const std::string restricted = report("violencia_intrafamiliar", secret, victim);
  const std::string own_photo = upload(vecino);
  const std::string fight = report("rina", own_photo, vecino);
  ASSERT_FALSE(secret.empty() || restricted.empty() || own_photo.empty() || fight.empty());
  Reply esc = a.Call("POST", "/api/v1/reports/" + fight + "/escalate", "", dep_->op_in.second);
  ASSERT_EQ(esc.status, 201) << esc.body;
  const std::string incident = Id(esc);

  // The restricted report's photo on a public step of this other incident: refused, through
  // steps and transitions alike, and nothing is written.
  Reply refused = step(incident, secret);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.ErrorCode(), "unprocessable");
  EXPECT_NE(refused.body.find("not of this incident"), std::string::npos) << refused.body;
  Reply via_transition =
      Transition(incident, {{"status", "acknowledged"}, {"media_id", secret}, {"public", true}});
  EXPECT_EQ(via_transition.status, 422) << via_transition.body;
  EXPECT_TRUE(
      dep_->db->Column("SELECT id FROM incident_steps WHERE media_id = '" + secret + "'").empty());
  EXPECT_EQ(fetch(secret, dep_->member.second), 404);
  EXPECT_EQ(fetch(secret, hija), 404);
  // Someone else's fresh upload is not the operator's to show either; unknown ids stay 422.
  EXPECT_EQ(step(incident, upload(dep_->member.second)).status, 422);
  EXPECT_EQ(step(incident, "0123456789abcdef0123456789abcdef").status, 422);

  // What a step may show: a photo of the incident's own report, the operator's own upload
  // (again on a later step of the same incident, but not on another incident).
  EXPECT_EQ(step(incident, own_photo).status, 201);
  const std::string mine = upload(dep_->op_in.second);
  EXPECT_EQ(step(incident, mine).status, 201);
  EXPECT_EQ(step(incident, mine).status, 201);
  Reply other =
      a.Call("POST", "/api/v1/incidents",
             Api::Obj({{"category", "rina"}, {"lat", kLat}, {"lon", kLon}}), dep_->op_in.second);
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(step(Id(other), mine).status, 422);
  // Those public photos reach whoever sees the neighbour's report.
  for (const std::string* token : {&dep_->member.second, &hija, &vecino}) {
    EXPECT_EQ(fetch(own_photo, *token), 200);
    EXPECT_EQ(fetch(mine, *token), 200);
  }
  EXPECT_EQ(fetch(mine, dep_->outsider.second), 404);

  // Shared anyway, 1: a public step that already shows the restricted photo (written before
  // this rule, here behind the server's back). The neighbourhood and the family see the step
  // but not the photo; staff covering both get the original.
  dep_->db->Exec(
      "INSERT INTO incident_steps (id, incident_id, kind, visibility, status, note, media_id, "
      "actor_id, created_ms) VALUES ('legacy-" +
      GetParam() + "', '" + incident + "', 'contacted', 'public', 'new', NULL, '" + secret +
      "', '" + dep_->op_in.first + "', 1)");
  for (const std::string* token : {&dep_->member.second, &hija, &vecino, &dep_->outsider.second})
    EXPECT_EQ(fetch(secret, *token), 404);
  Reply staff = a.Call("GET", "/api/v1/media/" + secret, "", dep_->op_in.second);
  EXPECT_EQ(staff.status, 200);
  EXPECT_EQ(staff.body, jpeg);
  EXPECT_EQ(fetch(secret, dep_->op_out.second), 404);
  EXPECT_EQ(fetch(secret, victim), 200);  // the owner

  // Shared anyway, 2: the restricted report merged into the incident (same family), so its
  // photo is now one of the incident's and may go on a public step; still only for those who
  // may see the restricted report.
  Reply merge =
      a.Call("POST", "/api/v1/incidents/" + incident + "/merge",
             Api::Obj({{"reports", json::array{json::value(restricted)}}}), dep_->op_in.second);
  ASSERT_EQ(merge.status, 200) << merge.body;
  EXPECT_EQ(step(incident, secret).status, 201);
  for (const std::string* token : {&dep_->member.second, &hija, &vecino})
    EXPECT_EQ(fetch(secret, *token), 404);
  EXPECT_EQ(fetch(secret, dep_->op_in.second), 200);
  // The neighbour's own photo is unaffected.
  EXPECT_EQ(fetch(own_photo, dep_->member.second), 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, DispatchTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
