#include "app/simulator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "app/demo.h"
#include "app/sim_paths.h"
#include "app/sim_readers.h"
#include "common/hash.h"
#include "http/client.h"

namespace centinela::app::sim {

namespace {

namespace json = boost::json;

// Bounds connecting and each exchange with the server.
constexpr std::chrono::seconds kExchangeTimeout{15};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A JSON string literal.
std::string Q(std::string_view s) { return json::serialize(json::value(json::string(s))); }

// One answer of the server as the simulator reads it.
struct Reply {
  int status = 0;     // 0: no response (error says why)
  std::string error;  // transport error
  std::string body;
  int retry_after_s = 0;

  bool ok() const { return status >= 200 && status < 300; }
  json::value Json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    return ec ? json::value() : v;
  }
  // The server's error message, or the transport error.
  std::string Why() const {
    if (status == 0) return error;
    json::value v = Json();
    if (v.is_object()) {
      if (const json::value* e = v.as_object().if_contains("error"); e && e->is_object()) {
        if (const json::value* m = e->as_object().if_contains("message"); m && m->is_string())
          return fmt::format("{} {}", status, std::string(m->get_string()));
      }
    }
    return fmt::format("HTTP {}", status);
  }
};

// One exchange on the simulator's keep-alive connection.
Reply Send(http::Client& client, std::string_view method, const std::string& target,
           const std::string& body = "", http::HeaderList headers = {}) {
  headers.emplace_back("User-Agent", "centinela-simulate");
  http::ClientResult res = client.Request(method, target, body, headers);
  Reply out{res.status, std::move(res.error), std::move(res.body), 0};
  if (res.ok()) {
    if (const std::string after = res.Header("retry-after"); !after.empty()) {
      // Seconds; an HTTP date or anything else: wait a while.
      auto [end, ec] = std::from_chars(after.data(), after.data() + after.size(), out.retry_after_s);
      if (ec != std::errc()) out.retry_after_s = 5;
    }
  }
  return out;
}

enum class Phase { kPatrol, kAssigned, kEnRoute, kOnScene };

struct SimUnit {
  SimUnit(DemoUnitEntry e, sim::Mover m) : info(std::move(e)), mover(std::move(m)) {}
  DemoUnitEntry info;
  sim::Mover mover;
  int64_t next_fix_ms = 0;
  int64_t last_advance_ms = 0;
  Phase phase = Phase::kPatrol;
  std::string incident_id;
  std::string incident_family;
  LatLon incident_at;
  int priority = 3;
};

struct Neighbour {
  std::string login;
  std::string token;
  int64_t blocked_until_ms = 0;
};

class Simulator {
 public:
  Simulator(const SimulateFlags& flags, std::string host, uint16_t port,
            const std::atomic<int>& stop_signal)
      : flags_(flags),
        stop_signal_(stop_signal),
        http_(std::move(host), port, kExchangeTimeout),
        rng_(Seed(flags.seed)) {}

  int Run();

 private:
  bool Stopping() const { return stop_signal_.load() != 0; }

  static uint64_t Seed(uint64_t seed) {
    return seed != 0 ? seed : static_cast<uint64_t>(NowMs()) * 0x9e3779b97f4a7c15ULL;
  }

  // One API call; keeps track of whether the server answers at all.
  Reply Call(std::string_view method, const std::string& target, const std::string& body = "",
             const std::string& token = "",
             http::HeaderList headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    Reply r = Send(http_, method, target, body, std::move(headers));
    const int64_t now = NowMs();
    if (r.status != 0) {
      last_answer_ms_ = now;
    } else {
      ++errors_;
      if (now - last_answer_ms_ > static_cast<int64_t>(flags_.give_up_s * 1000)) server_gone_ = true;
    }
    if (r.status >= 500) ++errors_;
    return r;
  }

  std::string Login(const std::string& login, const std::string& password) {
    Reply r = Call("POST", "/api/v1/auth/login",
                   fmt::format(R"({{"login":{},"password":{}}})", Q(login), Q(password)));
    if (!r.ok()) {
      spdlog::warn("login as {} failed: {}", login, r.Why());
      return "";
    }
    json::value v = r.Json();
    const json::value* t = v.is_object() ? v.as_object().if_contains("token") : nullptr;
    return t && t->is_string() ? std::string(t->get_string()) : "";
  }

  bool WaitReady();
  Status Setup();
  void Tick();
  void SendFix(SimUnit& u, int64_t now);
  void Resume(size_t index, const std::string& status, const std::string& incident_id);
  void RaiseReport();
  void TakeCall();
  void Escalate(std::string report_id, const Category& c, LatLon at);
  void Dispatch(std::string incident_id, Category c, LatLon at, int attempt);
  void StartDrive(size_t unit, std::string incident_id);
  //! On scene: holds there, records it (unless resumed) and clears after a while.
  void Arrive(size_t unit, bool record = true);
  void Clear(size_t unit);
  Neighbour* PickNeighbour(int64_t now);
  const Category* PickCategory(bool call);
  void At(int64_t when_ms, std::function<void()> fn) { timeline_.emplace(when_ms, std::move(fn)); }
  void LogSummary();
  // Runs fn; an answer of an unexpected shape is logged and skipped, not fatal.
  static void Guarded(const char* what, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::warn("{} failed: unexpected answer ({})", what, e.what());
    }
  }

  const SimulateFlags& flags_;
  const std::atomic<int>& stop_signal_;
  http::Client http_;
  sim::Rng rng_;
  sim::SimRegion region_;
  std::vector<SimUnit> units_;
  std::map<std::string, size_t> unit_by_id_;
  std::map<std::string, std::string> crew_tokens_;  // login -> token
  std::vector<Category> categories_;
  std::vector<Neighbour> neighbours_;
  std::string operator_token_;
  std::multimap<int64_t, std::function<void()>> timeline_;
  int64_t next_report_ms_ = 0, next_call_ms_ = 0, next_summary_ms_ = 0;
  int64_t last_answer_ms_ = 0;
  bool server_gone_ = false;
  int64_t fixes_ = 0, reports_ = 0, incidents_ = 0, dispatches_ = 0, closed_ = 0, errors_ = 0;
};

bool Simulator::WaitReady() {
  const int64_t deadline = NowMs() + static_cast<int64_t>(flags_.wait_s * 1000);
  bool told = false;
  while (!Stopping()) {
    Reply r = Send(http_, "GET", "/readyz");
    if (r.status == 200) return true;
    if (!told) {
      spdlog::info("waiting for {} to be ready ...", flags_.server);
      told = true;
    }
    if (NowMs() > deadline) {
      spdlog::error("{} did not become ready within {} s ({})", flags_.server, flags_.wait_s,
                    r.Why());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

Status Simulator::Setup() {
  last_answer_ms_ = NowMs();
  auto entries = ReadUnitsFile(flags_.units_from);
  if (!entries.ok()) return entries.status();

  operator_token_ = Login(flags_.operator_login, flags_.operator_password);
  if (operator_token_.empty())
    return Unauthenticated("cannot sign in as the operator " + flags_.operator_login);

  // The comunas: boundaries and populations from the API.
  Reply r = Call("GET", "/api/v1/areas?geometry=true&parent=" + flags_.precinct, "",
                 operator_token_);
  if (!r.ok()) return Unavailable("cannot list the areas of " + flags_.precinct + ": " + r.Why());
  json::value areas = r.Json();
  if (!areas.is_object() || !areas.as_object().if_contains("areas"))
    return Internal("unexpected areas answer");
  for (const json::value& a : areas.at("areas").as_array()) {
    const json::object& o = a.as_object();
    if (!o.if_contains("geometry")) continue;
    Status s = region_.Add(std::string(o.at("code").as_string()), std::string(o.at("name").as_string()),
                           json::serialize(o.at("geometry")),
                           o.at("population").is_int64() ? o.at("population").as_int64() : 1);
    if (!s.ok()) return s;
  }
  if (region_.Codes().empty()) return NotFound("area " + flags_.precinct + " has no child areas");

  // The categories the server knows, weighted by the demo mix; restricted ones only as calls.
  r = Call("GET", "/api/v1/categories", "", operator_token_);
  if (!r.ok()) return Unavailable("cannot list categories: " + r.Why());
  categories_ = CategoriesFromAnswer(r.Json());
  if (categories_.empty()) return NotFound("none of the demo categories is active on the server");

  // The crews: one sign-in per demo crew account.
  for (const DemoUnitEntry& e : *entries) {
    if (e.crew_login.empty() || crew_tokens_.count(e.crew_login)) continue;
    for (const DemoLogin& d : DemoLogins()) {
      if (d.login == e.crew_login) crew_tokens_[e.crew_login] = Login(d.login, d.password);
    }
  }

  // Units as the server has them now: where each was last seen, and whether a previous run
  // left it on a call (then it carries on with that call).
  r = Call("GET", "/api/v1/units", "", operator_token_);
  std::map<std::string, json::object> known;
  if (r.ok()) {
    const json::value listed = r.Json();
    for (const json::value& v : listed.at("units").as_array())
      known[std::string(v.at("id").as_string())] = v.as_object();
  }
  const int64_t now = NowMs();
  const auto interval = static_cast<int64_t>(flags_.fix_interval_s * 1000);
  for (DemoUnitEntry& e : *entries) {
    if (!region_.Has(e.home_area)) {
      spdlog::warn("unit {} has home area {} outside {}: skipped", e.callsign, e.home_area,
                   flags_.precinct);
      continue;
    }
    SimUnit u(e, sim::Mover(region_, e.home_area, sim::SpeedsFor(e.kind), rng_.Next()));
    u.next_fix_ms = now + interval * static_cast<int64_t>(units_.size()) /
                              static_cast<int64_t>(std::max<size_t>(1, entries->size()));
    u.last_advance_ms = now;
    std::string st = "available", incident;
    if (auto k = known.find(e.id); k != known.end()) {
      const json::object& o = k->second;
      st = std::string(o.at("status").as_string());
      if (o.at("incident_id").is_string()) incident = std::string(o.at("incident_id").as_string());
      // Carry on from where the server last saw it (no jump across a restart).
      if (const json::value* p = o.if_contains("position"); p && p->is_object()) {
        LatLon last{p->at("lat").to_number<double>(), p->at("lon").to_number<double>()};
        if (region_.ContainsAny(last)) u.mover.Place(last);
      }
    }
    unit_by_id_[e.id] = units_.size();
    units_.push_back(std::move(u));
    if (st == "assigned" || st == "en_route" || st == "on_scene") Resume(units_.size() - 1, st, incident);
  }
  if (units_.empty()) return NotFound("no unit of " + flags_.units_from + " is in " + flags_.precinct);

  for (int i = 1; i <= flags_.neighbours; ++i)
    neighbours_.push_back({fmt::format("vecino{:02}@centinela.demo", i), "", 0});

  const double report_gap_s = flags_.rate > 0 ? 60.0 / flags_.rate : 0;
  next_report_ms_ = report_gap_s > 0 ? now + static_cast<int64_t>(rng_.Exponential(report_gap_s) * 1000) : INT64_MAX;
  const double call_gap_s = flags_.calls_per_hour > 0 ? 3600.0 / flags_.calls_per_hour : 0;
  next_call_ms_ = call_gap_s > 0 ? now + static_cast<int64_t>(rng_.Exponential(call_gap_s) * 1000) : INT64_MAX;
  next_summary_ms_ = now + 60'000;
  spdlog::info(
      "simulating {} units in {} comunas of {}; a fix every {} s per unit; about {} reports/min "
      "and {} calls/h",
      units_.size(), region_.Codes().size(), flags_.precinct, flags_.fix_interval_s, flags_.rate,
      flags_.calls_per_hour);
  return Status::Ok();
}

void Simulator::Resume(size_t index, const std::string& status, const std::string& incident_id) {
  SimUnit& u = units_[index];
  const std::string& token = crew_tokens_[u.info.crew_login];
  Reply r = incident_id.empty()
                ? Reply{}
                : Call("GET", "/api/v1/incidents/" + incident_id, "", operator_token_);
  json::value v = r.ok() ? r.Json() : json::value();
  if (!v.is_object() || !v.as_object().if_contains("lat")) {
    Reply back = Call("POST", "/api/v1/units/" + u.info.id + "/status",
                      R"({"status":"available"})", token);
    spdlog::info("unit {} was {} on an unknown call: back to available ({})", u.info.callsign,
                 status, back.ok() ? "ok" : back.Why());
    return;
  }
  u.incident_id = incident_id;
  u.incident_family = v.at("family").is_string() ? std::string(v.at("family").as_string()) : "";
  u.incident_at = {v.at("lat").to_number<double>(), v.at("lon").to_number<double>()};
  const std::string p = v.at("priority").is_string() ? std::string(v.at("priority").as_string()) : "P3";
  u.priority = p.size() == 2 ? p[1] - '0' : 3;
  spdlog::info("unit {} carries on with incident {} ({})", u.info.callsign, incident_id, status);
  if (status == "assigned") {
    u.phase = Phase::kAssigned;
    At(NowMs() + 2000, [this, index, incident_id] { StartDrive(index, incident_id); });
  } else if (status == "en_route") {
    u.phase = Phase::kEnRoute;
    u.mover.DriveTo(u.incident_at, u.priority <= 2);
  } else {
    u.mover.Place(u.incident_at);
    Arrive(index, /*record=*/false);
  }
}

void Simulator::SendFix(SimUnit& u, int64_t now) {
  u.mover.Advance(static_cast<double>(now - u.last_advance_ms) / 1000.0);
  u.last_advance_ms = now;
  const LatLon p = u.mover.position();
  const std::string body = fmt::format(
      R"({{"fixes":[{{"lat":{:.6f},"lon":{:.6f},"speed":{:.1f},"heading":{:.0f},"accuracy":{:.0f},"time":{}}}]}})",
      p.lat, p.lon, u.mover.speed_mps(), u.mover.heading(), 5 + rng_.Uniform(0, 10), now);
  Reply r = Call("POST", "/api/v1/positions", body, "",
                 {{"X-Device-Key", u.info.device_key}});
  if (r.ok()) {
    ++fixes_;
  } else if (r.status != 0) {
    spdlog::warn("fix of {} refused: {}", u.info.callsign, r.Why());
  }
}

const Category* Simulator::PickCategory(bool call) {
  std::vector<double> w;
  for (const Category& c : categories_) w.push_back(call ? c.call_weight : c.report_weight);
  double total = 0;
  for (double x : w) total += x;
  if (total <= 0) return nullptr;
  return &categories_[rng_.Weighted(w)];
}

Neighbour* Simulator::PickNeighbour(int64_t now) {
  for (int attempt = 0; attempt < 8 && !neighbours_.empty(); ++attempt) {
    const double pick = rng_.Uniform() * static_cast<double>(neighbours_.size());
    Neighbour& n = neighbours_[static_cast<size_t>(pick)];
    if (n.blocked_until_ms > now) continue;
    if (n.token.empty()) {
      const std::string password = "demo-vecino-2026";
      Reply reg = Call("POST", "/api/v1/auth/register",
                       fmt::format(R"({{"email":{},"password":{},"display_name":{},"locale":"es"}})",
                                   Q(n.login), Q(password),
                                   Q(fmt::format("{} {}", FirstName(rng_.Next()),
                                                 Surname(rng_.Next())))));
      if (reg.status == 201) spdlog::info("registered demo neighbour {}", n.login);
      n.token = Login(n.login, password);
      if (n.token.empty()) {
        n.blocked_until_ms = now + 60'000;
        continue;
      }
    }
    return &n;
  }
  return nullptr;
}

void Simulator::RaiseReport() {
  const int64_t now = NowMs();
  const Category* c = PickCategory(false);
  Neighbour* n = PickNeighbour(now);
  if (!c || !n) {
    spdlog::warn("no neighbour can report right now (all rate-limited or signed out)");
    return;
  }
  const std::string& comuna = region_.PopulationWeightedCode(rng_);
  const LatLon at = region_.RandomPoint(comuna, rng_);
  const std::string body = fmt::format(
      R"({{"category":{},"lat":{:.6f},"lon":{:.6f},"accuracy":{:.0f},"description":{}}})",
      Q(c->code), at.lat, at.lon, 8 + rng_.Uniform(0, 30), Q(c->text));
  Reply r = Call("POST", "/api/v1/reports", body, n->token,
                 {{"Idempotency-Key", NewId()}});
  if (r.status == 429) {
    n->blocked_until_ms = now + std::max(1, r.retry_after_s) * 1000;
    return;
  }
  if (r.status == 401) n->token.clear();
  if (!r.ok()) {
    spdlog::warn("report by {} refused: {}", n->login, r.Why());
    return;
  }
  ++reports_;
  json::value v = r.Json();
  const std::string id = v.is_object() && v.as_object().if_contains("id")
                             ? std::string(v.at("id").as_string())
                             : std::string();
  spdlog::info("report {} '{}' in {} by {}", id, c->code, region_.Name(comuna), n->login);
  // The control room turns urgent alerts (and some others) into incidents.
  const bool escalate = c->priority <= 2 ? rng_.Uniform() < 0.8 : rng_.Uniform() < flags_.escalate_share;
  if (escalate && !id.empty()) {
    Category copy = *c;
    At(now + static_cast<int64_t>(rng_.Uniform(8, 25) * 1000),
       [this, id, copy, at] { Escalate(id, copy, at); });
  }
}

void Simulator::Escalate(std::string report_id, const Category& c, LatLon at) {
  Reply r = Call("POST", "/api/v1/reports/" + report_id + "/escalate",
                 R"({"note":"aviso recibido, revisando"})", operator_token_);
  if (!r.ok()) {
    spdlog::warn("escalating report {} failed: {}", report_id, r.Why());
    return;
  }
  ++incidents_;
  json::value v = r.Json();
  const std::string id = std::string(v.at("id").as_string());
  spdlog::info("operator: incident {} from report {} ({})", id, report_id, c.code);
  At(NowMs() + static_cast<int64_t>(rng_.Uniform(4, 12) * 1000),
     [this, id, c, at] { Dispatch(id, c, at, 0); });
}

void Simulator::TakeCall() {
  const Category* c = PickCategory(true);
  if (!c) return;
  const std::string& comuna = region_.PopulationWeightedCode(rng_);
  const LatLon at = region_.RandomPoint(comuna, rng_);
  const int priority = std::clamp(c->priority + (rng_.Uniform() < 0.2 ? -1 : 0), 1, 4);
  const std::string caller = fmt::format("{} {}", FirstName(rng_.Next()),
                                         Surname(rng_.Next()));
  const std::string body = fmt::format(
      R"({{"category":{},"lat":{:.6f},"lon":{:.6f},"priority":"P{}","caller_name":{},"caller_phone":{},"notes":{}}})",
      Q(c->code), at.lat, at.lon, priority, Q(caller),
      Q(fmt::format("+5699{:07}", rng_.Next() % 10'000'000)), Q(c->text));
  Reply r = Call("POST", "/api/v1/incidents", body, operator_token_);
  if (!r.ok()) {
    spdlog::warn("911 call ({}) not logged: {}", c->code, r.Why());
    return;
  }
  ++incidents_;
  const std::string id = std::string(r.Json().at("id").as_string());
  spdlog::info("911 call: incident {} '{}' P{} in {}", id, c->code, priority, region_.Name(comuna));
  Category copy = *c;
  copy.priority = priority;
  At(NowMs() + static_cast<int64_t>(rng_.Uniform(3, 10) * 1000),
     [this, id, copy, at] { Dispatch(id, copy, at, 0); });
}

void Simulator::Dispatch(std::string incident_id, Category c, LatLon at, int attempt) {
  Reply r = Call("GET", "/api/v1/incidents/" + incident_id + "/recommendations?k=5", "",
                 operator_token_);
  if (!r.ok()) {
    spdlog::warn("recommendations for {} failed: {}", incident_id, r.Why());
    return;
  }
  std::optional<size_t> pick;
  std::string distance;
  const json::value ranked = r.Json();
  for (const json::value& v : ranked.at("units").as_array()) {
    auto it = unit_by_id_.find(std::string(v.at("unit_id").as_string()));
    if (it == unit_by_id_.end() || units_[it->second].phase != Phase::kPatrol) continue;
    pick = it->second;
    distance = json::serialize(v.at("distance_m"));
    break;
  }
  if (!pick) {
    if (attempt < 4) {
      spdlog::info("incident {}: no unit free, the operator retries in 30 s", incident_id);
      At(NowMs() + 30'000, [this, incident_id, c, at, attempt] { Dispatch(incident_id, c, at, attempt + 1); });
    } else {
      // The control room refers what it cannot attend (and the queue does not grow forever).
      Reply closed = Call("POST", "/api/v1/incidents/" + incident_id + "/transitions",
                          R"({"status":"closed","outcome":"referred","note":"Derivado: sin unidades disponibles"})",
                          operator_token_);
      spdlog::info("incident {}: still no unit free, closed as referred ({})", incident_id,
                   closed.ok() ? "ok" : closed.Why());
    }
    return;
  }
  SimUnit& u = units_[*pick];
  Reply d = Call("POST", "/api/v1/incidents/" + incident_id + "/dispatch",
                 fmt::format(R"({{"unit_id":{},"note":{}}})", Q(u.info.id),
                             Q("Unidad " + u.info.callsign + " asignada")),
                 operator_token_);
  if (!d.ok()) {
    spdlog::warn("dispatching {} to {} failed: {}", u.info.callsign, incident_id, d.Why());
    return;
  }
  ++dispatches_;
  u.phase = Phase::kAssigned;
  u.incident_id = incident_id;
  u.incident_family = c.family;
  u.incident_at = at;
  u.priority = c.priority;
  spdlog::info("operator: {} dispatched to incident {} ({} m away)", u.info.callsign, incident_id,
               distance);
  const size_t index = *pick;
  At(NowMs() + static_cast<int64_t>(rng_.Uniform(3, 10) * 1000),
     [this, index, incident_id] { StartDrive(index, incident_id); });
}

void Simulator::StartDrive(size_t index, std::string incident_id) {
  SimUnit& u = units_[index];
  if (u.phase != Phase::kAssigned || u.incident_id != incident_id) return;
  const std::string& token = crew_tokens_[u.info.crew_login];
  Reply a = Call("POST", "/api/v1/units/" + u.info.id + "/accept", "{}", token);
  Reply r = Call("POST", "/api/v1/units/" + u.info.id + "/status",
                 R"({"status":"en_route","note":"Vamos en camino"})", token);
  if (!r.ok()) {
    spdlog::warn("{} could not go en route: {} (accept: {})", u.info.callsign, r.Why(),
                 a.ok() ? "ok" : a.Why());
    u.phase = Phase::kPatrol;
    return;
  }
  u.phase = Phase::kEnRoute;
  u.mover.DriveTo(u.incident_at, u.priority <= 2);
  spdlog::info("{} en route to incident {} ({:.0f} m){}", u.info.callsign, incident_id,
               sim::DistanceM(u.mover.position(), u.incident_at), u.priority <= 2 ? " with siren" : "");
}

void Simulator::Arrive(size_t index, bool record) {
  SimUnit& u = units_[index];
  u.mover.Hold();
  if (record) {
    Reply r = Call("POST", "/api/v1/units/" + u.info.id + "/status",
                   R"({"status":"on_scene","note":"Llegamos al lugar"})",
                   crew_tokens_[u.info.crew_login]);
    if (!r.ok()) spdlog::warn("{} on scene not recorded: {}", u.info.callsign, r.Why());
  }
  u.phase = Phase::kOnScene;
  spdlog::info("{} on scene at incident {}", u.info.callsign, u.incident_id);
  const std::string incident = u.incident_id;
  At(NowMs() + static_cast<int64_t>(rng_.Uniform(flags_.scene_min_s, flags_.scene_max_s) * 1000),
     [this, index, incident] {
       if (units_[index].phase == Phase::kOnScene && units_[index].incident_id == incident) Clear(index);
     });
}

void Simulator::Clear(size_t index) {
  SimUnit& u = units_[index];
  const std::string incident = u.incident_id;
  // Outcomes a control room sees for each family of call.
  static const std::map<std::string, std::vector<const char*>> kOutcomes = {
      {"crime", {"report_taken", "no_finding", "arrest", "unable_to_locate", "report_taken"}},
      {"violence", {"assistance_given", "arrest", "referred", "report_taken"}},
      {"emergency", {"assistance_given", "resolved_on_site", "referred", "false_alarm"}},
      {"city_service", {"resolved_on_site", "referred", "resolved_on_site"}}};
  auto it = kOutcomes.find(u.incident_family);
  const std::vector<const char*>& choices =
      it != kOutcomes.end() ? it->second : kOutcomes.at("city_service");
  const char* outcome = choices[rng_.Next() % choices.size()];
  Reply r = Call("POST", "/api/v1/incidents/" + incident + "/transitions",
                 R"({"status":"resolved","note":"Procedimiento terminado"})", operator_token_);
  Reply c = Call("POST", "/api/v1/incidents/" + incident + "/transitions",
                 fmt::format(R"({{"status":"closed","outcome":{},"note":"Caso cerrado"}})", Q(outcome)),
                 operator_token_);
  Reply a = Call("POST", "/api/v1/units/" + u.info.id + "/status",
                 R"({"status":"available"})", crew_tokens_[u.info.crew_login]);
  if (c.ok()) ++closed_;
  if (!r.ok() || !c.ok() || !a.ok())
    spdlog::warn("clearing incident {}: resolve {}, close {}, unit {}", incident,
                 r.ok() ? "ok" : r.Why(), c.ok() ? "ok" : c.Why(), a.ok() ? "ok" : a.Why());
  spdlog::info("{} cleared incident {} ({}), back on patrol", u.info.callsign, incident, outcome);
  u.phase = Phase::kPatrol;
  u.incident_id.clear();
  u.mover.Patrol();
}

void Simulator::LogSummary() {
  int busy = 0;
  for (const SimUnit& u : units_) busy += u.phase != Phase::kPatrol;
  spdlog::info("so far: {} fixes, {} reports, {} incidents, {} dispatches, {} closed, {} errors; "
               "{} of {} units on a call",
               fixes_, reports_, incidents_, dispatches_, closed_, errors_, busy, units_.size());
}

void Simulator::Tick() {
  const int64_t now = NowMs();
  while (!timeline_.empty() && timeline_.begin()->first <= now && !Stopping()) {
    auto fn = std::move(timeline_.begin()->second);
    timeline_.erase(timeline_.begin());
    Guarded("a timed step", fn);
  }
  const auto interval = static_cast<int64_t>(flags_.fix_interval_s * 1000);
  for (size_t i = 0; i < units_.size() && !Stopping(); ++i) {
    SimUnit& u = units_[i];
    if (u.next_fix_ms > now) continue;
    SendFix(u, now);
    u.next_fix_ms += interval;
    if (u.next_fix_ms <= now) u.next_fix_ms = now + interval;  // fell behind: no burst
    if (u.phase == Phase::kEnRoute && u.mover.Arrived()) Arrive(i);
  }
  if (now >= next_report_ms_) {
    Guarded("a report", [this] { RaiseReport(); });
    next_report_ms_ = NowMs() + static_cast<int64_t>(rng_.Exponential(60.0 / flags_.rate) * 1000);
  }
  if (now >= next_call_ms_) {
    Guarded("a 911 call", [this] { TakeCall(); });
    next_call_ms_ = NowMs() + static_cast<int64_t>(rng_.Exponential(3600.0 / flags_.calls_per_hour) * 1000);
  }
  if (now >= next_summary_ms_) {
    LogSummary();
    next_summary_ms_ = now + 60'000;
  }
}

int Simulator::Run() {
  if (!WaitReady()) {
    if (!Stopping()) return 1;
    spdlog::info("signal {} received: stopping", stop_signal_.load());
    return 0;
  }
  Status s = Setup();
  if (!s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return s.code() == Code::kInvalidArgument ? 2 : 1;
  }
  const int64_t end =
      flags_.duration_s > 0 ? NowMs() + static_cast<int64_t>(flags_.duration_s * 1000) : INT64_MAX;
  while (!Stopping() && !server_gone_ && NowMs() < end) {
    Tick();
    // Sleep until the next fix or action, at most 250 ms at a time (signals are noticed).
    int64_t next = std::min({next_report_ms_, next_call_ms_, next_summary_ms_, end});
    for (const SimUnit& u : units_) next = std::min(next, u.next_fix_ms);
    if (!timeline_.empty()) next = std::min(next, timeline_.begin()->first);
    const int64_t wait = std::clamp<int64_t>(next - NowMs(), 0, 250);
    if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  LogSummary();
  if (server_gone_) {
    spdlog::info("the server has not answered for {} s: stopping", flags_.give_up_s);
  } else if (Stopping()) {
    spdlog::info("signal {} received: stopping", stop_signal_.load());
  } else {
    spdlog::info("ran for {} s: stopping", flags_.duration_s);
  }
  return 0;
}

}  // namespace

int RunSimulator(const SimulateFlags& flags, std::string host, uint16_t port,
                 const std::atomic<int>& stop_signal) {
  Simulator simulator(flags, std::move(host), port, stop_signal);
  return simulator.Run();
}

}  // namespace centinela::app::sim
