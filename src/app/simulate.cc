#include "app/simulate.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "app/demo.h"
#include "app/sim_paths.h"
#include "common/hash.h"

namespace centinela::app {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace json = boost::json;
using sim::LatLon;

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void OnStopSignal(int sig) {
  g_signal = sig;
  g_stop = true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A JSON string literal.
std::string Q(std::string_view s) { return json::serialize(json::value(json::string(s))); }

// ---------------------------------------------------------------------------------------
// A blocking HTTP/1.1 client with one keep-alive connection and a timeout per exchange.

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

class HttpClient {
 public:
  HttpClient(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}

  Reply Call(bhttp::verb method, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = stream_.has_value();
      Reply r = Once(method, target, body, headers);
      if (r.status != 0 || !reused) return r;
      // A kept-alive connection the server closed meanwhile: once more on a fresh one.
    }
    return Reply{0, "no response", "", 0};
  }

 private:
  Reply Once(bhttp::verb method, const std::string& target, const std::string& body,
             const std::vector<std::pair<std::string, std::string>>& headers) {
    Reply out;
    try {
      if (!stream_) {
        stream_.emplace(ioc_);
        net::ip::tcp::resolver resolver(ioc_);
        stream_->expires_after(std::chrono::seconds(5));
        stream_->connect(resolver.resolve(host_, port_));
      }
      bhttp::request<bhttp::string_body> req{method, target, 11};
      req.set(bhttp::field::host, host_);
      req.set(bhttp::field::user_agent, "centinela-simulate");
      for (const auto& [name, value] : headers) req.set(name, value);
      if (!body.empty()) {
        req.set(bhttp::field::content_type, "application/json");
        req.body() = body;
      }
      req.keep_alive(true);
      req.prepare_payload();
      stream_->expires_after(std::chrono::seconds(15));
      bhttp::write(*stream_, req);
      bhttp::response<bhttp::string_body> res;
      buffer_.clear();
      bhttp::read(*stream_, buffer_, res);
      out.status = static_cast<int>(res.result_int());
      out.body = std::move(res.body());
      if (auto it = res.find("Retry-After"); it != res.end()) {
        try {
          out.retry_after_s = std::stoi(std::string(it->value()));
        } catch (...) {
          out.retry_after_s = 5;
        }
      }
      if (!res.keep_alive()) Close();
    } catch (const std::exception& e) {
      out.status = 0;
      out.error = e.what();
      Close();
    }
    return out;
  }

  void Close() {
    if (stream_) {
      beast::error_code ec;
      stream_->socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
      stream_.reset();
    }
  }

  std::string host_, port_;
  net::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// ---------------------------------------------------------------------------------------
// What neighbours report and what 911 calls are about: relative frequencies for the demo
// (everyday incivilities and suspicion dominate neighbour alerts; calls lean to emergencies).

struct CategoryMix {
  const char* code;
  double report_weight;
  double call_weight;
  const char* text;  // a line a neighbour or a caller would say
};

constexpr CategoryMix kMix[] = {
    {"persona_sospechosa", 14, 2, "Persona merodeando los autos estacionados"},
    {"hurto", 10, 1, "Le sacaron la cartera a una vecina en el paradero"},
    {"vehiculo_sospechoso", 9, 1, "Auto sin patente dando vueltas por el pasaje"},
    {"ruidos_molestos", 8, 0, "Fiesta con música muy fuerte"},
    {"consumo_via_publica", 6, 0, "Grupo tomando en la plaza"},
    {"robo", 5, 4, "Asaltaron a un joven en la esquina"},
    {"microbasural", 5, 0, "Botaron escombros en el sitio eriazo"},
    {"luminaria_apagada", 5, 0, "Poste sin luz, la cuadra queda a oscuras"},
    {"robo_vivienda", 4, 2, "Entraron a robar a la casa del lado"},
    {"vandalismo", 4, 0, "Rayaron y rompieron el paradero"},
    {"robo_vehiculo", 3, 1, "Se llevaron un auto estacionado"},
    {"rina", 3, 3, "Pelea entre varias personas en la calle"},
    {"venta_drogas", 3, 0, "Venta de droga en la esquina"},
    {"animal_suelto", 3, 0, "Perro agresivo suelto en el pasaje"},
    {"accidente_transito", 3, 3, "Choque entre dos autos en el cruce"},
    {"amenaza", 2, 1, "Un hombre amenaza a los vecinos"},
    {"portonazo", 2, 1, "Intentaron robar un auto al entrar a la casa"},
    {"vehiculo_abandonado", 2, 0, "Auto abandonado hace semanas"},
    {"emergencia_medica", 2, 4, "Persona mayor descompensada en la calle"},
    {"balacera", 1.5, 1, "Se escucharon disparos"},
    {"incendio", 1, 1.5, "Sale humo de una casa"},
    {"arbol_caido", 1, 0, "Árbol caído bloquea la vereda"},
    {"semaforo_danado", 1, 0, "Semáforo apagado en el cruce"},
    {"violencia_intrafamiliar", 0, 2, "Gritos y golpes en una casa"},
    {"fuga_gas", 0.5, 0.5, "Olor fuerte a gas en el block"},
    {"inundacion", 0.3, 0, "Calle anegada"},
};

const char* kFirstNames[] = {"María",  "José",   "Ana",      "Juan",    "Carolina", "Luis",
                             "Camila", "Jorge",  "Fernanda", "Pedro",   "Javiera",  "Claudio",
                             "Paula",  "Manuel", "Daniela",  "Ricardo", "Valentina", "Héctor"};
const char* kSurnames[] = {"González", "Muñoz",   "Rojas",   "Díaz",  "Pérez",  "Soto",
                           "Contreras", "Silva",  "Martínez", "Sepúlveda", "Morales", "Rodríguez",
                           "López",    "Fuentes", "Hernández", "Torres",   "Araya",   "Flores"};

struct Category {
  std::string code, family;
  int priority = 3;
  double report_weight = 0, call_weight = 0;
  std::string text;
};

// ---------------------------------------------------------------------------------------

struct DemoUnitEntry {
  std::string id, callsign, kind, agency, home_area, crew_login, device_key;
};

Result<std::vector<DemoUnitEntry>> ReadUnitsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFound("cannot read the units file " + path +
                    " (`centinela serve --demo --data-dir DIR` writes DIR/demo-units.json)");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(ss.str(), ec);
  if (ec || !doc.is_object() || !doc.as_object().if_contains("units") ||
      !doc.at("units").is_array())
    return InvalidArgument(path + " is not a units file (JSON with a 'units' list)");
  std::vector<DemoUnitEntry> out;
  for (const json::value& v : doc.at("units").as_array()) {
    if (!v.is_object()) continue;
    auto str = [&v](const char* name) {
      const json::value* x = v.as_object().if_contains(name);
      return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    DemoUnitEntry e{str("id"),        str("callsign"),   str("kind"),      str("agency"),
                    str("home_area"), str("crew_login"), str("device_key")};
    if (e.id.empty() || e.device_key.empty() || e.home_area.empty())
      return InvalidArgument(path + ": a unit lacks id, home_area or device_key");
    out.push_back(std::move(e));
  }
  if (out.empty()) return InvalidArgument(path + " lists no units");
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
  Simulator(const SimulateFlags& flags, std::string host, std::string port)
      : flags_(flags), http_(std::move(host), std::move(port)), rng_(Seed(flags.seed)) {}

  int Run();

 private:
  static uint64_t Seed(uint64_t seed) {
    return seed != 0 ? seed : static_cast<uint64_t>(NowMs()) * 0x9e3779b97f4a7c15ULL;
  }

  // One API call; keeps track of whether the server answers at all.
  Reply Call(bhttp::verb method, const std::string& target, const std::string& body = "",
             const std::string& token = "",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    Reply r = http_.Call(method, target, body, headers);
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
    Reply r = Call(bhttp::verb::post, "/api/v1/auth/login",
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
  HttpClient http_;
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
  while (!g_stop) {
    Reply r = http_.Call(bhttp::verb::get, "/readyz");
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
  Reply r = Call(bhttp::verb::get, "/api/v1/areas?geometry=true&parent=" + flags_.precinct, "",
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
  r = Call(bhttp::verb::get, "/api/v1/categories", "", operator_token_);
  if (!r.ok()) return Unavailable("cannot list categories: " + r.Why());
  const json::value categories = r.Json();
  for (const json::value& v : categories.at("categories").as_array()) {
    const json::object& o = v.as_object();
    if (o.if_contains("active") && o.at("active").is_bool() && !o.at("active").as_bool()) continue;
    Category c;
    c.code = std::string(o.at("code").as_string());
    c.family = std::string(o.at("family").as_string());
    c.priority = o.at("priority").is_int64() ? static_cast<int>(o.at("priority").as_int64()) : 3;
    const bool restricted = o.at("sensitivity").is_string() && o.at("sensitivity").as_string() != "public";
    for (const CategoryMix& m : kMix) {
      if (c.code == m.code) {
        c.report_weight = restricted ? 0 : m.report_weight;
        c.call_weight = m.call_weight;
        c.text = m.text;
      }
    }
    if (c.report_weight > 0 || c.call_weight > 0) categories_.push_back(std::move(c));
  }
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
  r = Call(bhttp::verb::get, "/api/v1/units", "", operator_token_);
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
                : Call(bhttp::verb::get, "/api/v1/incidents/" + incident_id, "", operator_token_);
  json::value v = r.ok() ? r.Json() : json::value();
  if (!v.is_object() || !v.as_object().if_contains("lat")) {
    Reply back = Call(bhttp::verb::post, "/api/v1/units/" + u.info.id + "/status",
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
  Reply r = Call(bhttp::verb::post, "/api/v1/positions", body, "",
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
    Neighbour& n = neighbours_[static_cast<size_t>(rng_.Uniform() * neighbours_.size())];
    if (n.blocked_until_ms > now) continue;
    if (n.token.empty()) {
      const std::string password = "demo-vecino-2026";
      Reply reg = Call(bhttp::verb::post, "/api/v1/auth/register",
                       fmt::format(R"({{"email":{},"password":{},"display_name":{},"locale":"es"}})",
                                   Q(n.login), Q(password),
                                   Q(fmt::format("{} {}", kFirstNames[rng_.Next() % std::size(kFirstNames)],
                                                 kSurnames[rng_.Next() % std::size(kSurnames)]))));
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
  Reply r = Call(bhttp::verb::post, "/api/v1/reports", body, n->token,
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
  Reply r = Call(bhttp::verb::post, "/api/v1/reports/" + report_id + "/escalate",
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
  const std::string caller = fmt::format("{} {}", kFirstNames[rng_.Next() % std::size(kFirstNames)],
                                         kSurnames[rng_.Next() % std::size(kSurnames)]);
  const std::string body = fmt::format(
      R"({{"category":{},"lat":{:.6f},"lon":{:.6f},"priority":"P{}","caller_name":{},"caller_phone":{},"notes":{}}})",
      Q(c->code), at.lat, at.lon, priority, Q(caller),
      Q(fmt::format("+5699{:07}", rng_.Next() % 10'000'000)), Q(c->text));
  Reply r = Call(bhttp::verb::post, "/api/v1/incidents", body, operator_token_);
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
  Reply r = Call(bhttp::verb::get, "/api/v1/incidents/" + incident_id + "/recommendations?k=5", "",
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
      Reply closed = Call(bhttp::verb::post, "/api/v1/incidents/" + incident_id + "/transitions",
                          R"({"status":"closed","outcome":"referred","note":"Derivado: sin unidades disponibles"})",
                          operator_token_);
      spdlog::info("incident {}: still no unit free, closed as referred ({})", incident_id,
                   closed.ok() ? "ok" : closed.Why());
    }
    return;
  }
  SimUnit& u = units_[*pick];
  Reply d = Call(bhttp::verb::post, "/api/v1/incidents/" + incident_id + "/dispatch",
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
  Reply a = Call(bhttp::verb::post, "/api/v1/units/" + u.info.id + "/accept", "{}", token);
  Reply r = Call(bhttp::verb::post, "/api/v1/units/" + u.info.id + "/status",
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
    Reply r = Call(bhttp::verb::post, "/api/v1/units/" + u.info.id + "/status",
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
  Reply r = Call(bhttp::verb::post, "/api/v1/incidents/" + incident + "/transitions",
                 R"({"status":"resolved","note":"Procedimiento terminado"})", operator_token_);
  Reply c = Call(bhttp::verb::post, "/api/v1/incidents/" + incident + "/transitions",
                 fmt::format(R"({{"status":"closed","outcome":{},"note":"Caso cerrado"}})", Q(outcome)),
                 operator_token_);
  Reply a = Call(bhttp::verb::post, "/api/v1/units/" + u.info.id + "/status",
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
  while (!timeline_.empty() && timeline_.begin()->first <= now && !g_stop) {
    auto fn = std::move(timeline_.begin()->second);
    timeline_.erase(timeline_.begin());
    Guarded("a timed step", fn);
  }
  const auto interval = static_cast<int64_t>(flags_.fix_interval_s * 1000);
  for (size_t i = 0; i < units_.size() && !g_stop; ++i) {
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
    if (!g_stop) return 1;
    spdlog::info("signal {} received: stopping", g_signal.load());
    return 0;
  }
  Status s = Setup();
  if (!s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return s.code() == Code::kInvalidArgument ? 2 : 1;
  }
  const int64_t end =
      flags_.duration_s > 0 ? NowMs() + static_cast<int64_t>(flags_.duration_s * 1000) : INT64_MAX;
  while (!g_stop && !server_gone_ && NowMs() < end) {
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
  } else if (g_stop) {
    spdlog::info("signal {} received: stopping", g_signal.load());
  } else {
    spdlog::info("ran for {} s: stopping", flags_.duration_s);
  }
  return 0;
}

}  // namespace

void AddSimulateOptions(CLI::App* cmd, SimulateFlags& f) {
  cmd->add_option("--server", f.server, "Base URL of the Centinela server (http only)")
      ->capture_default_str();
  cmd->add_option("--units-from", f.units_from,
                  "Units file written by `serve --demo` (DATA_DIR/demo-units.json): unit ids, "
                  "crews and device keys")
      ->capture_default_str();
  cmd->add_option("--precinct", f.precinct, "Area whose child areas the units patrol and reports fall in")
      ->capture_default_str();
  cmd->add_option("--rate", f.rate, "Neighbour reports per minute (Poisson; 2.4 = one every 25 s on average)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--calls-per-hour", f.calls_per_hour, "911 calls the operator logs per hour")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--escalate-share", f.escalate_share,
                  "Share of P3/P4 reports turned into incidents (P1/P2: 80%)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fix-interval", f.fix_interval_s, "Seconds between two fixes of a unit")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 300.0));
  cmd->add_option("--scene-min", f.scene_min_s, "Shortest time on scene, seconds")->capture_default_str();
  cmd->add_option("--scene-max", f.scene_max_s, "Longest time on scene, seconds")->capture_default_str();
  cmd->add_option("--neighbours", f.neighbours,
                  "Demo neighbour accounts (vecinoNN@centinela.demo) that take turns reporting")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  cmd->add_option("--seed", f.seed, "Random seed (0 = from the clock); a seed replays the same paths")
      ->capture_default_str();
  cmd->add_option("--duration", f.duration_s, "Stop after this many seconds (0 = until Ctrl-C)")
      ->capture_default_str();
  cmd->add_option("--wait", f.wait_s, "Seconds to wait for the server's /readyz at start")
      ->capture_default_str();
  cmd->add_option("--give-up", f.give_up_s, "Stop when the server has not answered for this many seconds")
      ->capture_default_str();
  cmd->add_option("--operator", f.operator_login, "Operator account that escalates, logs calls and dispatches")
      ->capture_default_str();
  cmd->add_option("--operator-password", f.operator_password, "Its password")->capture_default_str();
  cmd->add_option("--log-level", f.log_level, "debug, info, warn or error")->capture_default_str();
  cmd->footer(
      "Example (beside `centinela serve --demo --data-dir ./data`):\n"
      "  centinela simulate --server http://127.0.0.1:8080 --units-from ./data/demo-units.json\n"
      "Logs one line per report, incident, dispatch and status move, and a summary each minute.");
}

int RunSimulate(const SimulateFlags& flags) {
  auto logger = std::make_shared<spdlog::logger>(
      "simulate", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%SZ simulate %^%l%$: %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(flags.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  InitCrypto();

  std::string rest = flags.server;
  if (rest.rfind("http://", 0) != 0) {
    std::cerr << "centinela: --server must be an http:// URL, got '" << flags.server << "'\n";
    return 2;
  }
  rest = rest.substr(7);
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  std::string host = rest, port = "80";
  if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || port.empty()) {
    std::cerr << "centinela: bad --server '" << flags.server << "'\n";
    return 2;
  }
  if (flags.scene_min_s < 0 || flags.scene_max_s < flags.scene_min_s) {
    std::cerr << "centinela: --scene-min must be >= 0 and <= --scene-max\n";
    return 2;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Simulator simulator(flags, host, port);
  return simulator.Run();
}

}  // namespace centinela::app
