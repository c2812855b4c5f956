#include "community/categories.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <utility>

#include "areas/areas.h"
#include "auth/roles.h"
#include "community/json_list.h"
#include "events/types.h"
#include "store/row_map.h"
#include "store/sql.h"

namespace centinela::community {

namespace {

namespace json = boost::json;

constexpr size_t kMaxLabelBytes = 100;

const store::RowMap<Category> kRow(
    "code, family, label_es, label_en, agencies, priority, sensitivity, active, "
    "created_ms, updated_ms",
    {&Category::code, &Category::family, &Category::label_es, &Category::label_en,
     store::kParsedByOwner, &Category::priority, store::kParsedByOwner, &Category::active,
     &Category::created_ms, &Category::updated_ms});

Category FromRow(const store::Rows& rows, size_t i) {
  Category c = kRow.Read(rows, i);
  c.agencies = ParseJsonStringList(rows.Text(i, "agencies"));
  c.sensitivity = ParseSensitivity(rows.Text(i, "sensitivity")).value_or(Sensitivity::kRestricted);
  return c;
}

std::string EventPayload(const Category& c) {
  json::object o{{"code", c.code},         {"family", c.family},
                 {"label_es", c.label_es}, {"label_en", c.label_en},
                 {"priority", c.priority}, {"sensitivity", SensitivityName(c.sensitivity)},
                 {"active", c.active}};
  json::array a;
  for (const std::string& s : c.agencies) a.emplace_back(s);
  o["agencies"] = std::move(a);
  return json::serialize(o);
}

Status Insert(store::Tx& tx, const Category& c, const std::string& actor, bool if_absent) {
  std::string sql =
      "INSERT INTO categories (" + kRow.Select() + ") VALUES " + store::ValueRows(1, 10);
  if (if_absent) sql += " ON CONFLICT DO NOTHING";
  auto r = tx.Exec(sql, {c.code, c.family, c.label_es, c.label_en, JsonStringList(c.agencies),
                         int64_t{c.priority}, std::string(SensitivityName(c.sensitivity)),
                         int64_t{c.active ? 1 : 0}, c.created_ms, c.updated_ms});
  if (!r.ok()) {
    if (r.status().code() == Code::kConflict)
      return Conflict("category '" + c.code + "' already exists");
    return r.status();
  }
  if (r->affected == 0) return Status::Ok();
  auto e = tx.Append({events::type::kCategoryCreated, actor, "category:" + c.code,
                      events::scope::kPublic, EventPayload(c)});
  return e.ok() ? Status::Ok() : e.status();
}

Category Seed(std::string code, std::string family, std::string es, std::string en,
              std::vector<std::string> agencies, int priority,
              Sensitivity s = Sensitivity::kPublic) {
  Category c;
  c.code = std::move(code);
  c.family = std::move(family);
  c.label_es = std::move(es);
  c.label_en = std::move(en);
  c.agencies = std::move(agencies);
  c.priority = priority;
  c.sensitivity = s;
  return c;
}

}  // namespace

std::string_view SensitivityName(Sensitivity s) {
  return s == Sensitivity::kPublic ? "public" : "restricted";
}

std::optional<Sensitivity> ParseSensitivity(std::string_view name) {
  if (name == "public") return Sensitivity::kPublic;
  if (name == "restricted") return Sensitivity::kRestricted;
  return std::nullopt;
}

Status ValidateCategory(const Category& c) {
  if (c.code.empty() || c.code.size() > 64 ||
      !std::all_of(c.code.begin(), c.code.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
      }))
    return Unprocessable("category code must be 1 to 64 characters of a-z 0-9 _");
  if (!auth::ParseTaskFamily(c.family))
    return Unprocessable("unknown family '" + c.family + "' (" + auth::TaskFamilyList() + ")");
  for (const std::string* label : {&c.label_es, &c.label_en}) {
    if (label->empty() || label->size() > kMaxLabelBytes)
      return Unprocessable("labels es and en are required, at most 100 bytes each");
    if (std::any_of(label->begin(), label->end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F; }))
      return Unprocessable("labels must not hold control characters");
  }
  if (c.agencies.empty()) return Unprocessable("a category routes to at least one agency");
  for (size_t i = 0; i < c.agencies.size(); ++i) {
    if (!auth::IsKnownAgency(c.agencies[i]))
      return Unprocessable("unknown agency '" + c.agencies[i] + "' (" + auth::AgencyList() + ")");
    if (!auth::AgencyMayServe(c.agencies[i], c.family)) {
      return Unprocessable("agency '" + c.agencies[i] +
                           "' takes support tasks only (logistics, disaster, border), not '" +
                           c.family + "'");
    }
    for (size_t j = 0; j < i; ++j)
      if (c.agencies[i] == c.agencies[j])
        return Unprocessable("agency '" + c.agencies[i] + "' is listed twice");
  }
  if (c.priority < 1 || c.priority > 4)
    return Unprocessable("priority must be 1 (most urgent) to 4");
  return Status::Ok();
}

const std::vector<Category>& SeedCategories() {
  using S = Sensitivity;
  static const std::vector<Category> kSeed = {
      Seed("robo", "crime", "Robo con violencia o intimidación", "Robbery", {"police"}, 1),
      Seed("hurto", "crime", "Hurto", "Theft", {"police"}, 3),
      Seed("robo_vehiculo", "crime", "Robo de vehículo", "Vehicle theft", {"police"}, 2),
      Seed("robo_vivienda", "crime", "Robo en lugar habitado", "Burglary", {"police"}, 2),
      Seed("portonazo", "crime", "Portonazo / encerrona", "Carjacking at a gate", {"police"}, 1),
      Seed("persona_sospechosa", "crime", "Persona sospechosa", "Suspicious person", {"police"}, 3),
      Seed("vehiculo_sospechoso", "crime", "Vehículo sospechoso", "Suspicious vehicle", {"police"},
           3),
      Seed("balacera", "crime", "Balacera / disparos", "Shooting / gunfire", {"police", "medical"},
           1),
      Seed("rina", "violence", "Riña", "Fight", {"police"}, 2),
      Seed("amenaza", "violence", "Amenaza", "Threat", {"police"}, 2),
      Seed("violencia_intrafamiliar", "violence", "Violencia intrafamiliar", "Domestic violence",
           {"police"}, 1, S::kRestricted),
      Seed("abuso_sexual", "violence", "Abuso sexual", "Sexual abuse", {"police", "medical"}, 1,
           S::kRestricted),
      Seed("acoso_callejero", "violence", "Acoso callejero", "Street harassment", {"police"}, 2,
           S::kRestricted),
      Seed("panico", "emergency", "Botón de pánico", "Panic button", {"police"}, 1, S::kRestricted),
      Seed("incendio", "emergency", "Incendio", "Fire", {"fire", "medical"}, 1),
      Seed("incendio_forestal", "emergency", "Incendio forestal / de pastizal", "Wildfire",
           {"fire", "civil_protection"}, 1),
      Seed("emergencia_medica", "emergency", "Emergencia médica", "Medical emergency", {"medical"},
           1),
      Seed("accidente_transito", "emergency", "Accidente de tránsito", "Traffic accident",
           {"police", "medical"}, 2),
      Seed("fuga_gas", "emergency", "Fuga de gas", "Gas leak", {"fire", "civil_protection"}, 1),
      Seed("inundacion", "emergency", "Inundación / anegamiento", "Flooding",
           {"civil_protection", "municipal"}, 2),
      Seed("arbol_caido", "city_service", "Árbol caído", "Fallen tree",
           {"municipal", "civil_protection"}, 3),
      Seed("luminaria_apagada", "city_service", "Luminaria apagada", "Street light out",
           {"municipal"}, 4),
      Seed("microbasural", "city_service", "Microbasural", "Illegal dumping", {"municipal"}, 4),
      Seed("ruidos_molestos", "city_service", "Ruidos molestos", "Noise complaint",
           {"municipal", "police"}, 4),
      Seed("animal_suelto", "city_service", "Animal suelto / perro agresivo", "Loose animal",
           {"municipal"}, 3),
      Seed("vehiculo_abandonado", "city_service", "Vehículo abandonado", "Abandoned vehicle",
           {"municipal", "police"}, 4),
      Seed("consumo_via_publica", "crime", "Consumo de alcohol o drogas en la vía pública",
           "Drinking or drug use in public", {"police"}, 3),
      Seed("venta_drogas", "crime", "Venta de drogas", "Drug dealing", {"police"}, 2),
      Seed("vandalismo", "crime", "Daños / vandalismo", "Vandalism", {"police", "municipal"}, 3),
      Seed("semaforo_danado", "city_service", "Semáforo en mal estado", "Broken traffic light",
           {"municipal"}, 3),
  };
  return kSeed;
}

Result<std::vector<Category>> LoadCategories(store::Store& store) {
  return store::MapRows<Category>(store.Query("SELECT " + kRow.Select() + " FROM categories"),
                                  FromRow);
}

CategoryService::CategoryService(store::Store& store) : store_(store) {}

CategoryService::~CategoryService() = default;

void CategoryService::Submit(store::WriteFn fn, std::function<void(Status)> done) {
  writes_.Submit(std::move(fn),
                 [done = std::move(done)](Status s, std::vector<store::Event>) { done(s); });
}

Status CategoryService::Load() {
  auto count = store_.Query("SELECT COUNT(*) AS n FROM categories");
  if (!count.ok()) return count.status();
  if (count->Int(0, "n") == 0) {
    // ON CONFLICT DO NOTHING: two nodes starting at once seed each row once.
    Status s = store_.WriteSync([](store::Tx& tx) {
      for (Category c : SeedCategories()) {
        c.created_ms = c.updated_ms = tx.NowMs();
        Status st = Insert(tx, c, "system", /*if_absent=*/true);
        if (!st.ok()) return st;
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    spdlog::info("categories: seeded {} categories", SeedCategories().size());
  }
  auto rows = LoadCategories(store_);
  if (!rows.ok()) return rows.status();
  WriterLock lock(mu_);
  by_code_.clear();
  for (Category& c : *rows) by_code_[c.code] = std::move(c);
  return Status::Ok();
}

void CategoryService::Create(Category c, std::string actor,
                             std::function<void(Result<Category>)> done) {
  Status v = ValidateCategory(c);
  if (!v.ok()) return done(v);
  auto shared = std::make_shared<Category>(std::move(c));
  Submit(
      [shared, actor](store::Tx& tx) {
        shared->created_ms = shared->updated_ms = tx.NowMs();
        return Insert(tx, *shared, actor, /*if_absent=*/false);
      },
      [this, shared, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        {
          WriterLock lock(mu_);
          by_code_[shared->code] = *shared;
        }
        done(*shared);
      });
}

void CategoryService::Update(std::string code, CategoryPatch patch, std::string actor,
                             std::function<void(Result<Category>)> done) {
  auto result = std::make_shared<Category>();
  Submit(
      [code, patch = std::move(patch), actor, result](store::Tx& tx) -> Status {
        auto rows = tx.Exec("SELECT " + kRow.Select() + " FROM categories WHERE code = $1", {code});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) return NotFound("no category with code '" + code + "'");
        Category c = FromRow(*rows, 0);
        if (patch.family) c.family = *patch.family;
        if (patch.label_es) c.label_es = *patch.label_es;
        if (patch.label_en) c.label_en = *patch.label_en;
        if (patch.agencies) c.agencies = *patch.agencies;
        if (patch.priority) c.priority = *patch.priority;
        if (patch.sensitivity) c.sensitivity = *patch.sensitivity;
        if (patch.active) c.active = *patch.active;
        Status v = ValidateCategory(c);
        if (!v.ok()) return v;
        c.updated_ms = tx.NowMs();
        auto u = tx.Exec(
            "UPDATE categories SET family = $2, label_es = $3, label_en = $4, agencies = $5, "
            "priority = $6, "
            "sensitivity = $7, active = $8, updated_ms = $9 WHERE code = $1",
            {c.code, c.family, c.label_es, c.label_en, JsonStringList(c.agencies),
             int64_t{c.priority}, std::string(SensitivityName(c.sensitivity)),
             int64_t{c.active ? 1 : 0}, c.updated_ms});
        if (!u.ok()) return u.status();
        auto e = tx.Append({events::type::kCategoryUpdated, actor, "category:" + c.code,
                            events::scope::kPublic, EventPayload(c)});
        if (!e.ok()) return e.status();
        *result = std::move(c);
        return Status::Ok();
      },
      [this, result, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s);
        {
          WriterLock lock(mu_);
          by_code_[result->code] = *result;
        }
        done(*result);
      });
}

std::optional<Category> CategoryService::Get(const std::string& code) const {
  ReaderLock lock(mu_);
  auto it = by_code_.find(code);
  if (it == by_code_.end()) return std::nullopt;
  return it->second;
}

std::vector<Category> CategoryService::List() const {
  ReaderLock lock(mu_);
  std::vector<Category> out;
  out.reserve(by_code_.size());
  for (const auto& [code, c] : by_code_) out.push_back(c);
  return out;
}

}  // namespace centinela::community
