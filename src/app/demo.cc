#include "app/demo.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>

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
  };
  return kLogins;
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

  for (const DemoLogin& d : DemoLogins()) {
    auth::NewUser u;
    u.email = d.login;
    u.password = d.password;
    u.display_name = "Demo " + d.role;
    u.locale = "es";
    auto role = auth::ParseRole(d.role);
    if (role && *role != auth::Role::kNeighbour) u.grants.push_back({*role, d.scope});
    std::promise<Status> done;
    accounts.CreateUser(std::move(u), "demo", [&done](Result<auth::UserView> r) { done.set_value(r.status()); });
    Status s = done.get_future().get();
    if (!s.ok() && s.code() != Code::kConflict) return Status(s.code(), "demo account " + d.login + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace centinela::app
