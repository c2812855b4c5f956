#include "app/sim_readers.h"

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

namespace centinela::app::sim {

namespace json = boost::json;

namespace {

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

const char* const kFirstNames[] = {"María",  "José",   "Ana",      "Juan",    "Carolina", "Luis",
                                   "Camila", "Jorge",  "Fernanda", "Pedro",   "Javiera",  "Claudio",
                                   "Paula",  "Manuel", "Daniela",  "Ricardo", "Valentina", "Héctor"};
const char* const kSurnames[] = {"González", "Muñoz",   "Rojas",   "Díaz",  "Pérez",  "Soto",
                                 "Contreras", "Silva",  "Martínez", "Sepúlveda", "Morales", "Rodríguez",
                                 "López",    "Fuentes", "Hernández", "Torres",   "Araya",   "Flores"};

}  // namespace

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

std::vector<Category> CategoriesFromAnswer(const json::value& answer) {
  std::vector<Category> out;
  for (const json::value& v : answer.at("categories").as_array()) {
    const json::object& o = v.as_object();
    if (o.if_contains("active") && o.at("active").is_bool() && !o.at("active").as_bool()) continue;
    Category c;
    c.code = std::string(o.at("code").as_string());
    c.family = std::string(o.at("family").as_string());
    c.priority = o.at("priority").is_int64() ? static_cast<int>(o.at("priority").as_int64()) : 3;
    const bool restricted =
        o.at("sensitivity").is_string() && o.at("sensitivity").as_string() != "public";
    for (const CategoryMix& m : kMix) {
      if (c.code == m.code) {
        c.report_weight = restricted ? 0 : m.report_weight;
        c.call_weight = m.call_weight;
        c.text = m.text;
      }
    }
    if (c.report_weight > 0 || c.call_weight > 0) out.push_back(std::move(c));
  }
  return out;
}

const char* FirstName(uint64_t i) { return kFirstNames[i % std::size(kFirstNames)]; }
const char* Surname(uint64_t i) { return kSurnames[i % std::size(kSurnames)]; }

}  // namespace centinela::app::sim
