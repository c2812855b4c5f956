#include "app/demo.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "auth/accounts.h"
#include "geo/union.h"

namespace centinela::app {

namespace {

namespace json = boost::json;

// The precinct that holds the seven comunas. "Prefectura Santiago Sur" of Carabineros.
constexpr const char* kPrecinctCode = "SUR";
constexpr const char* kPrecinctName = "Prefectura Santiago Sur";

// CUT codes by name (the GeoJSON's COD_COMUNA is a truncated legacy code).
const std::map<std::string, std::string>& CutCodes() {
  static const std::map<std::string, std::string> kCodes = {
      {"San Miguel", "13130"}, {"La Cisterna", "13109"}, {"San Joaquín", "13129"},
      {"La Pintana", "13112"}, {"San Ramón", "13131"},   {"La Granja", "13111"},
      {"El Bosque", "13105"}};
  return kCodes;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// comuna name -> population, from south-precinct.csv (first two columns).
Result<std::map<std::string, int64_t>> ReadPopulations(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  std::map<std::string, int64_t> out;
  std::istringstream lines(*text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t c1 = line.find(',');
    size_t c2 = line.find(',', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) return Internal("bad line in " + path + ": " + line);
    out[line.substr(0, c1)] = std::stoll(line.substr(c1 + 1, c2 - c1 - 1));
  }
  return out;
}

// comuna CUT code -> name.
std::string ComunaName(const std::string& code) {
  for (const auto& [name, cut] : CutCodes())
    if (cut == code) return name;
  return code;
}

// callsign -> device key from a units file written before (missing or unreadable: empty).
std::map<std::string, std::string> KeysInFile(const std::string& path) {
  std::map<std::string, std::string> out;
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return out;
  boost::system::error_code ec;
  json::value doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) return out;
  const json::value* list = doc.as_object().if_contains("units");
  if (!list || !list->is_array()) return out;
  for (const json::value& u : list->as_array()) {
    if (!u.is_object()) continue;
    const json::value* callsign = u.as_object().if_contains("callsign");
    const json::value* key = u.as_object().if_contains("device_key");
    if (callsign && callsign->is_string() && key && key->is_string())
      out[std::string(callsign->get_string())] = std::string(key->get_string());
  }
  return out;
}

// Writes `text` to `path` through a temporary file renamed over it, readable by the owner only.
Status WritePrivateFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Unavailable("cannot write " + tmp);
    ::chmod(tmp.c_str(), 0600);
    out << text;
    if (!out.flush()) return Unavailable("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, target, ec);
  if (ec) return Unavailable("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

Status CreateArea(areas::AreaService& service, areas::Area area) {
  std::promise<Status> done;
  service.Create(std::move(area), "demo", [&done](Result<areas::Area> r) { done.set_value(r.status()); });
  return done.get_future().get();
}

}  // namespace

const std::vector<DemoLogin>& DemoLogins() {
  static const std::vector<DemoLogin> kLogins = {
      {"admin", "admin@centinela.demo", "demo-admin-2026", "*"},
      {"operator", "operador@centinela.demo", "demo-operador-2026", kPrecinctCode},
      {"analyst", "analista@centinela.demo", "demo-analista-2026", kPrecinctCode},
      {"responder", "patrulla@centinela.demo", "demo-patrulla-2026", "13130"},
      {"neighbour", "vecina@centinela.demo", "demo-vecina-2026", ""},
      // The crews of the demo units (DemoUnits), one account per agency's shift.
      {"responder", "cuadrante@centinela.demo", "demo-cuadrante-2026", kPrecinctCode},
      {"responder", "samu@centinela.demo", "demo-samu-2026", kPrecinctCode},
      {"responder", "bomberos@centinela.demo", "demo-bomberos-2026", kPrecinctCode},
      {"responder", "municipal@centinela.demo", "demo-municipal-2026", kPrecinctCode},
  };
  return kLogins;
}

const std::vector<DemoUnit>& DemoUnits() {
  // Carabineros radio patrols (RP) and motorbikes (MT), SAMU ambulances, Bomberos engines
  // (B) and municipal safety crews (MUNI), two or three per comuna.
  static const std::vector<std::string> kPolice = {"patrol", "arrest", "first_aid"};
  static const std::vector<std::string> kMoto = {"patrol", "rapid_response"};
  static const std::vector<std::string> kSamu = {"basic_life_support", "advanced_life_support"};
  static const std::vector<std::string> kEngine = {"fire_suppression", "rescue", "hazmat"};
  static const std::vector<std::string> kMuni = {"debris_removal", "street_lighting",
                                                 "animal_control"};
  const std::string police = "cuadrante@centinela.demo", samu = "samu@centinela.demo",
                    fire = "bomberos@centinela.demo", muni = "municipal@centinela.demo";
  static const std::vector<DemoUnit> kUnits = {
      {"RP-SM1", "police", "patrol_car", kPolice, "13130", police},
      {"MT-SM1", "police", "motorbike", kMoto, "13130", police},
      {"MUNI-SM1", "municipal", "municipal_crew", kMuni, "13130", muni},
      {"RP-LC1", "police", "patrol_car", kPolice, "13109", police},
      {"SAMU-LC1", "medical", "ambulance", kSamu, "13109", samu},
      {"RP-SJ1", "police", "patrol_car", kPolice, "13129", police},
      {"B-SJ1", "fire", "engine", kEngine, "13129", fire},
      {"RP-LP1", "police", "patrol_car", kPolice, "13112", police},
      {"RP-LP2", "police", "patrol_car", kPolice, "13112", police},
      {"MUNI-LP1", "municipal", "municipal_crew", kMuni, "13112", muni},
      {"RP-SR1", "police", "patrol_car", kPolice, "13131", police},
      {"SAMU-SR1", "medical", "ambulance", kSamu, "13131", samu},
      {"RP-LG1", "police", "patrol_car", kPolice, "13111", police},
      {"MT-LG1", "police", "motorbike", kMoto, "13111", police},
      {"RP-EB1", "police", "patrol_car", kPolice, "13105", police},
      {"B-EB1", "fire", "engine", kEngine, "13105", fire},
      {"MUNI-EB1", "municipal", "municipal_crew", kMuni, "13105", muni},
  };
  return kUnits;
}

Status LoadDemoUnits(store::Store& store, dispatch::UnitService& units,
                     tracking::PositionService& positions, const std::string& units_file) {
  std::map<std::string, std::string> crew_ids;  // login -> user id
  for (const DemoUnit& d : DemoUnits()) {
    if (crew_ids.count(d.crew_login)) continue;
    auto id = auth::UserIdByContact(store, auth::ContactKind::kEmail, d.crew_login);
    if (!id.ok()) return id.status();
    if (!*id) return NotFound("demo crew account " + d.crew_login + " is missing");
    crew_ids[d.crew_login] = **id;
  }
  std::map<std::string, dispatch::Unit> by_callsign;
  for (dispatch::Unit& u : units.List()) by_callsign[u.callsign] = std::move(u);
  const std::map<std::string, std::string> old_keys = KeysInFile(units_file);

  json::array out;
  int created = 0, new_devices = 0;
  for (const DemoUnit& d : DemoUnits()) {
    auto found = by_callsign.find(d.callsign);
    dispatch::Unit unit;
    if (found != by_callsign.end()) {
      unit = found->second;
    } else {
      dispatch::NewUnit n{d.callsign, d.agency, d.kind, d.home_area, d.capabilities,
                          {crew_ids[d.crew_login]}};
      std::promise<Result<dispatch::Unit>> done;
      units.Create(std::move(n), "demo",
                   [&done](Result<dispatch::Unit> r) { done.set_value(std::move(r)); });
      Result<dispatch::Unit> r = done.get_future().get();
      if (!r.ok()) return Status(r.status().code(), "demo unit " + d.callsign + ": " + r.status().message());
      unit = std::move(*r);
      ++created;
    }
    std::string key;
    if (auto old = old_keys.find(d.callsign); old != old_keys.end()) {
      if (positions.UnitForKey(old->second) == unit.id) key = old->second;
    }
    if (key.empty()) {
      std::promise<Result<tracking::NewDevice>> done;
      positions.AddDevice(unit.id, "", "demo simulator", "demo",
                          [&done](Result<tracking::NewDevice> r) { done.set_value(std::move(r)); });
      Result<tracking::NewDevice> device = done.get_future().get();
      if (!device.ok())
        return Status(device.status().code(), "demo device for " + d.callsign + ": " + device.status().message());
      key = device->key;
      ++new_devices;
    }
    out.push_back(json::object{{"id", unit.id},
                               {"callsign", d.callsign},
                               {"agency", unit.agency},
                               {"kind", unit.kind},
                               {"home_area", unit.home_area},
                               {"crew_login", d.crew_login},
                               {"device_key", key}});
  }
  json::object doc{{"note", "Demo units and their device keys, written by `centinela serve --demo` "
                            "for `centinela simulate --units-from`. Secret: do not share."},
                   {"units", std::move(out)}};
  Status s = WritePrivateFile(units_file, json::serialize(doc) + "\n");
  if (!s.ok()) return s;
  spdlog::info("demo: {} units ({} new, {} new devices), keys in {}", DemoUnits().size(), created,
               new_devices, units_file);
  return Status::Ok();
}

void PrintDemoUnits(std::ostream& out, const std::string& units_file) {
  out << "  Demo units (callsign, kind, comuna, crew login):\n";
  for (const DemoUnit& d : DemoUnits()) {
    const std::string comuna = ComunaName(d.home_area);
    size_t width = 0;  // in characters: UTF-8 continuation bytes do not count
    for (char c : comuna) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    out << "    " << std::left << std::setw(10) << d.callsign << std::setw(16) << d.kind << comuna
        << std::string(width < 14 ? 14 - width : 1, ' ') << d.crew_login << "\n";
  }
  out << std::right << "  Device keys for `centinela simulate --units-from`: " << units_file << "\n";
}

std::string FindDemoDir() {
  if (const char* env = std::getenv("CENTINELA_DEMO_DIR")) return env;
  if (std::filesystem::exists("demo/south-precinct.csv")) return "demo";
  return std::string(CENTINELA_SOURCE_DIR) + "/demo";
}

Status LoadDemo(const std::string& demo_dir, areas::AreaService& service, auth::Accounts& accounts) {
  if (!service.Get(kPrecinctCode)) {
    auto populations = ReadPopulations(demo_dir + "/south-precinct.csv");
    if (!populations.ok()) return populations.status();
    auto text = ReadFile(demo_dir + "/santiago_south_precinct_7_comunas.geojson");
    if (!text.ok()) return text.status();
    boost::system::error_code ec;
    json::value doc = json::parse(*text, ec);
    if (ec || !doc.is_object()) return Internal("demo GeoJSON is not valid JSON");

    std::vector<areas::Area> comunas;
    std::vector<std::string> shapes;
    int64_t total = 0;
    for (const json::value& f : doc.at("features").as_array()) {
      std::string name(f.at("properties").at("NOM_COM").as_string());
      auto code = CutCodes().find(name);
      if (code == CutCodes().end()) return Internal("demo GeoJSON has an unknown comuna: " + name);
      areas::Area a;
      a.code = code->second;
      a.name = name;
      a.kind = areas::Kind::kSector;
      a.parent_code = kPrecinctCode;
      a.population = (*populations)[name];
      a.agencies = {"police", "fire", "medical", "civil_protection", "municipal"};
      a.geometry = json::serialize(f.at("geometry"));
      total += a.population;
      shapes.push_back(a.geometry);
      comunas.push_back(std::move(a));
    }
    Result<std::string> outline = geo::UnionGeometries(shapes);
    if (!outline.ok()) return outline.status();
    areas::Area precinct;
    precinct.code = kPrecinctCode;
    precinct.name = kPrecinctName;
    precinct.kind = areas::Kind::kPrecinct;
    precinct.population = total;
    precinct.agencies = {"police", "fire", "medical", "civil_protection", "municipal"};
    precinct.geometry = *outline;
    Status s = CreateArea(service, precinct);
    if (!s.ok()) return Status(s.code(), "demo precinct: " + s.message());
    for (areas::Area& a : comunas) {
      std::string label = a.name;
      s = CreateArea(service, std::move(a));
      if (!s.ok()) return Status(s.code(), "demo comuna " + label + ": " + s.message());
    }
    spdlog::info("demo: loaded precinct {} with {} comunas, population {}", kPrecinctCode, comunas.size(), total);
  }

  // Accounts there already are left alone (no password hash to compute on a restart).
  std::set<std::string> existing;
  for (int offset = 0; offset < 100'000;) {
    auto page = accounts.ListUsers(200, offset);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const auto& u : *page) existing.insert(u.email);
    offset += static_cast<int>(page->size());
  }
  // The others all at once: the password hashes run on the hash threads side by side.
  std::vector<std::promise<Status>> done(DemoLogins().size());
  for (size_t i = 0; i < DemoLogins().size(); ++i) {
    const DemoLogin& d = DemoLogins()[i];
    if (existing.count(d.login)) {
      done[i].set_value(Status::Ok());
      continue;
    }
    auth::NewUser u;
    u.email = d.login;
    u.password = d.password;
    u.display_name = "Demo " + d.role;
    u.locale = "es";
    auto role = auth::ParseRole(d.role);
    if (role && *role != auth::Role::kNeighbour) u.grants.push_back({*role, d.scope});
    std::promise<Status>* slot = &done[i];
    accounts.CreateUser(std::move(u), "demo",
                        [slot](Result<auth::UserView> r) { slot->set_value(r.status()); });
  }
  Status first_error;
  for (size_t i = 0; i < done.size(); ++i) {
    Status s = done[i].get_future().get();
    if (!s.ok() && s.code() != Code::kConflict && first_error.ok())
      first_error = Status(s.code(), "demo account " + DemoLogins()[i].login + ": " + s.message());
  }
  return first_error;
}

}  // namespace centinela::app
