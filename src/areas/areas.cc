#include "areas/areas.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <utility>

#include "auth/roles.h"
#include "events/types.h"
#include "geo/geometry.h"
#include "store/sql.h"

namespace centinela::areas {

namespace {

namespace json = boost::json;

//! Longest parent chain accepted (root = depth 1). Real hierarchies have four levels
//! (region > precinct > sector > neighbourhood); the bound keeps every walk up the tree
//! short, in memory and inside the write transaction.
constexpr int kMaxDepth = 32;
constexpr size_t kMaxCodeChars = 64;
constexpr size_t kMaxNameChars = 200;
//! More than the Earth's population: anything larger is a typing mistake.
constexpr int64_t kMaxPopulation = 10'000'000'000;

constexpr const char* kColumns =
    "code, name, kind, parent_code, population, agencies, geometry, created_ms, updated_ms";


Status CheckCode(const std::string& code) {
  if (code.empty() || code.size() > kMaxCodeChars)
    return Unprocessable("area code must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
  for (char c : code) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    if (!ok) return Unprocessable("area code '" + code + "' may only hold A-Z a-z 0-9 _ . -");
  }
  return Status::Ok();
}

// 1 to 200 characters (code points) of valid UTF-8, not blank, no control characters.
Status CheckName(const std::string& name) {
  size_t chars = 0;
  bool blank = true;
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > name.size()) return Unprocessable("area name is not valid UTF-8");
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(name[i + k]) & 0xC0) != 0x80) return Unprocessable("area name is not valid UTF-8");
    if (len == 1 && (c < 0x20 || c == 0x7F)) return Unprocessable("area name must not hold control characters");
    if (len > 1 || c != ' ') blank = false;
    ++chars;
    i += len;
  }
  if (chars == 0 || blank) return Unprocessable("area name is required");
  if (chars > kMaxNameChars)
    return Unprocessable("area name has " + std::to_string(chars) + " characters; at most 200");
  return Status::Ok();
}

Status CheckKind(Kind kind) {
  if (KindName(kind).empty()) return Unprocessable("unknown area kind");
  return Status::Ok();
}

Status CheckPopulation(int64_t population) {
  if (population < 0) return Unprocessable("population must be 0 or more");
  if (population > kMaxPopulation) return Unprocessable("population is implausibly large");
  return Status::Ok();
}

Status CheckAgencies(const std::vector<std::string>& agencies) {
  for (size_t i = 0; i < agencies.size(); ++i) {
    if (!auth::IsKnownAgency(agencies[i]))
      return Unprocessable("unknown agency '" + agencies[i] + "' (" + auth::AgencyList() + ")");
    for (size_t j = 0; j < i; ++j)
      if (agencies[j] == agencies[i]) return Unprocessable("agency '" + agencies[i] + "' is listed twice");
  }
  return Status::Ok();
}

// Validates the geometry and replaces it with its compact, RFC 7946-wound form.
Status CheckGeometry(std::string* geometry) {
  Result<geo::ValidGeometry> v = geo::ValidateGeometry(*geometry);
  if (!v.ok()) return v.status();
  *geometry = std::move(v->geojson);
  return Status::Ok();
}

// What a caller may see of a failed write: our own verdicts pass through; storage
// internals (SQL, driver messages) are logged and replaced.
Status PublicWriteStatus(const Status& s, std::string_view what) {
  switch (s.code()) {
    case Code::kConflict:
    case Code::kNotFound:
    case Code::kUnprocessable:
      return s;
    case Code::kUnavailable:
      return Unavailable("area storage is busy; try again");
    default:
      spdlog::error("areas: {} failed: {}", what, s.ToString());
      return Internal("could not save the area");
  }
}

std::string AgenciesJson(const std::vector<std::string>& agencies) {
  json::array a;
  for (const std::string& s : agencies) a.emplace_back(s);
  return json::serialize(a);
}

Result<Area> AreaFromRow(const store::Rows& rows, size_t i) {
  Area a;
  a.code = rows.Text(i, "code");
  a.name = rows.Text(i, "name");
  std::string kind = rows.Text(i, "kind");
  std::optional<Kind> k = ParseKind(kind);
  if (!k) return Internal("area '" + a.code + "' has unknown kind '" + kind + "' in the store");
  a.kind = *k;
  a.parent_code = rows.Text(i, "parent_code");
  a.population = rows.Int(i, "population");
  boost::system::error_code ec;
  json::value agencies = json::parse(rows.Text(i, "agencies", "[]"), ec);
  if (ec || !agencies.is_array()) return Internal("area '" + a.code + "' has malformed agencies in the store");
  for (const json::value& v : agencies.get_array()) {
    if (!v.is_string()) return Internal("area '" + a.code + "' has malformed agencies in the store");
    a.agencies.emplace_back(v.get_string());
  }
  a.geometry = rows.Text(i, "geometry");
  a.created_ms = rows.Int(i, "created_ms");
  a.updated_ms = rows.Int(i, "updated_ms");
  return a;
}

// The event payload: everything but the geometry (large; readers fetch the area).
std::string Payload(const Area& a, const std::vector<std::string>* changed = nullptr) {
  json::object o;
  o["code"] = a.code;
  o["name"] = a.name;
  o["kind"] = KindName(a.kind);
  if (a.parent_code.empty()) o["parent"] = nullptr;
  else o["parent"] = a.parent_code;
  o["population"] = a.population;
  json::array agencies;
  for (const std::string& s : a.agencies) agencies.emplace_back(s);
  o["agencies"] = std::move(agencies);
  if (changed) {
    json::array c;
    for (const std::string& s : *changed) c.emplace_back(s);
    o["changed"] = std::move(c);
  }
  return json::serialize(o);
}

store::EventDraft Draft(const char* type, const std::string& actor, const std::string& payload, const std::string& code) {
  // Area shapes and their figures are public (they are on every map).
  return store::EventDraft{type, actor, "area:" + code, events::scope::kPublic, payload};
}

// Inside a write: `parent` must exist, and walking up from it must reach a root without
// meeting `code` (which would close a cycle) within kMaxDepth levels. The store is the
// source of truth: memory was checked before the write, but writes are queued.
Status CheckParentInTx(store::Tx& tx, const std::string& code, const std::string& parent) {
  if (parent.empty()) return Status::Ok();
  std::string cur = parent;
  for (int depth = 1; depth < kMaxDepth; ++depth) {
    if (cur == code) return Conflict("area '" + parent + "' is '" + code + "' or one of its descendants: making it the parent would create a cycle");
    Result<store::Rows> r = tx.Exec("SELECT parent_code FROM areas WHERE code = $1", {cur});
    if (!r.ok()) return r.status();
    if (r->empty()) {
      if (cur == parent) return Unprocessable("parent area '" + parent + "' does not exist");
      return Internal("area '" + cur + "' is referenced as a parent but missing");
    }
    if (r->Null(0, "parent_code")) return Status::Ok();
    cur = r->Text(0, "parent_code");
    if (cur.empty()) return Status::Ok();
  }
  return Unprocessable("the area hierarchy would be deeper than " + std::to_string(kMaxDepth) + " levels");
}

}  // namespace

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kRegion: return "region";
    case Kind::kPrecinct: return "precinct";
    case Kind::kSector: return "sector";
    case Kind::kNeighbourhood: return "neighbourhood";
  }
  return "";
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (Kind k : {Kind::kRegion, Kind::kPrecinct, Kind::kSector, Kind::kNeighbourhood})
    if (KindName(k) == name) return k;
  return std::nullopt;
}


AreaService::AreaService(store::Store& store) : store_(store) {}

AreaService::~AreaService() {
  MutexLock lock(inflight_mu_);
  inflight_cv_.wait(lock.Native(), [this] {
    inflight_mu_.AssertHeld();
    return inflight_ == 0;
  });
}

void AreaService::Submit(store::WriteFn fn, std::function<void(Status)> done) {
  {
    MutexLock lock(inflight_mu_);
    ++inflight_;
  }
  store_.Write(std::move(fn), [this, done = std::move(done)](Status s, std::vector<store::Event>) {
    try {
      done(std::move(s));
    } catch (const std::exception& e) {
      spdlog::error("areas: write completion threw: {}", e.what());
    }
    MutexLock lock(inflight_mu_);
    if (--inflight_ == 0) inflight_cv_.notify_all();
  });
}

Status AreaService::Load() {
  Result<store::Rows> rows = store_.Query(std::string("SELECT ") + kColumns + " FROM areas ORDER BY code");
  if (!rows.ok()) return Status(rows.status().code(), "loading areas: " + rows.status().message());
  std::unordered_map<std::string, Area> loaded;
  for (size_t i = 0; i < rows->size(); ++i) {
    Result<Area> a = AreaFromRow(*rows, i);
    if (!a.ok()) return a.status();
    std::string code = a->code;
    loaded.emplace(std::move(code), std::move(a).value());
  }
  WriterLock lock(mu_);
  for (const auto& [code, area] : areas_)
    if (!loaded.count(code)) index_.Remove(code);
  for (const auto& [code, area] : loaded) {
    // A stored shape that no longer passes validation (rules can get stricter) must not
    // stop the server: the area stays listable and editable, it just matches no point
    // until an admin replaces its geometry.
    Status s = index_.Put(code, area.geometry);
    if (!s.ok()) spdlog::error("areas: area {} is not in the spatial index: {}", code, s.message());
  }
  areas_ = std::move(loaded);
  spdlog::info("areas: loaded {} areas", areas_.size());
  return Status::Ok();
}

void AreaService::Create(Area area, std::string actor, std::function<void(Result<Area>)> done) {
  Status s = CheckCode(area.code);
  if (s.ok()) s = CheckName(area.name);
  if (s.ok()) s = CheckKind(area.kind);
  if (s.ok()) s = CheckPopulation(area.population);
  if (s.ok()) s = CheckAgencies(area.agencies);
  if (s.ok()) s = CheckGeometry(&area.geometry);
  if (s.ok()) {
    ReaderLock lock(mu_);
    if (areas_.count(area.code)) s = Conflict("area '" + area.code + "' already exists");
    else if (!area.parent_code.empty() && !areas_.count(area.parent_code))
      s = Unprocessable("parent area '" + area.parent_code + "' does not exist");
  }
  if (!s.ok()) return done(s);

  auto result = std::make_shared<Area>(std::move(area));
  Submit(
      [result, actor = std::move(actor)](store::Tx& tx) -> Status {
        Area& a = *result;
        Result<store::Rows> r = tx.Exec("SELECT code FROM areas WHERE code = $1", {a.code});
        if (!r.ok()) return r.status();
        if (!r->empty()) return Conflict("area '" + a.code + "' already exists");
        Status s = CheckParentInTx(tx, a.code, a.parent_code);
        if (!s.ok()) return s;
        a.created_ms = a.updated_ms = tx.NowMs();
        r = tx.Exec(
            "INSERT INTO areas (code, name, kind, parent_code, population, agencies, geometry, "
            "created_ms, "
            "updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            {a.code, a.name, std::string(KindName(a.kind)), store::TextOrNull(a.parent_code),
             a.population, AgenciesJson(a.agencies), a.geometry, a.created_ms});
        if (!r.ok()) {
          if (r.status().code() == Code::kConflict) return Conflict("area '" + a.code + "' already exists");
          return r.status();
        }
        Result<store::Event> e =
            tx.Append(Draft(events::type::kAreaCreated, actor, Payload(a), a.code));
        return e.ok() ? Status::Ok() : e.status();
      },
      [this, result, done = std::move(done)](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "create area"));
        Apply(*result);
        done(*result);
      });
}

void AreaService::Update(std::string code, AreaPatch patch, std::string actor,
                         std::function<void(Result<Area>)> done) {
  Status s;
  if (patch.name) s = CheckName(*patch.name);
  if (s.ok() && patch.kind) s = CheckKind(*patch.kind);
  if (s.ok() && patch.population) s = CheckPopulation(*patch.population);
  if (s.ok() && patch.agencies) s = CheckAgencies(*patch.agencies);
  if (s.ok() && patch.geometry) s = CheckGeometry(&*patch.geometry);
  if (s.ok()) {
    ReaderLock lock(mu_);
    if (!areas_.count(code)) {
      s = NotFound("no area with code '" + code + "'");
    } else if (patch.parent_code && !patch.parent_code->empty()) {
      const std::string& parent = *patch.parent_code;
      if (!areas_.count(parent)) {
        s = Unprocessable("parent area '" + parent + "' does not exist");
      } else {
        // Walking up from the new parent must not meet the area itself.
        std::string cur = parent;
        for (size_t steps = 0; !cur.empty() && steps <= areas_.size(); ++steps) {
          if (cur == code) {
            s = Conflict("area '" + parent + "' is '" + code + "' or one of its descendants: making it the parent would create a cycle");
            break;
          }
          auto it = areas_.find(cur);
          cur = it == areas_.end() ? std::string() : it->second.parent_code;
        }
      }
    }
  }
  if (!s.ok()) return done(s);

  auto result = std::make_shared<Area>();
  Submit(
      [result, code = std::move(code), patch = std::move(patch), actor = std::move(actor)](store::Tx& tx) -> Status {
        // Apply the patch to the stored row, not to the in-memory copy: a write queued
        // just before this one may have changed it.
        Result<store::Rows> r = tx.Exec(std::string("SELECT ") + kColumns + " FROM areas WHERE code = $1", {code});
        if (!r.ok()) return r.status();
        if (r->empty()) return NotFound("no area with code '" + code + "'");
        Result<Area> current = AreaFromRow(*r, 0);
        if (!current.ok()) return current.status();
        Area& a = *result;
        a = std::move(current).value();
        std::vector<std::string> changed;
        auto set = [&changed](auto& field, const auto& patched, const char* name) {
          if (!patched || *patched == field) return;
          field = *patched;
          changed.push_back(name);
        };
        set(a.name, patch.name, "name");
        set(a.kind, patch.kind, "kind");
        if (patch.parent_code && *patch.parent_code != a.parent_code) {
          Status s = CheckParentInTx(tx, a.code, *patch.parent_code);
          if (!s.ok()) return s;
          a.parent_code = *patch.parent_code;
          changed.push_back("parent");
        }
        set(a.population, patch.population, "population");
        set(a.agencies, patch.agencies, "agencies");
        set(a.geometry, patch.geometry, "geometry");
        a.updated_ms = tx.NowMs();
        r = tx.Exec(
            "UPDATE areas SET name = $2, kind = $3, parent_code = $4, population = $5, agencies = "
            "$6, "
            "geometry = $7, updated_ms = $8 WHERE code = $1",
            {a.code, a.name, std::string(KindName(a.kind)), store::TextOrNull(a.parent_code),
             a.population, AgenciesJson(a.agencies), a.geometry, a.updated_ms});
        if (!r.ok()) return r.status();
        Result<store::Event> e =
            tx.Append(Draft(events::type::kAreaUpdated, actor, Payload(a, &changed), a.code));
        return e.ok() ? Status::Ok() : e.status();
      },
      [this, result, done = std::move(done)](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "update area"));
        Apply(*result);
        done(*result);
      });
}

void AreaService::Remove(std::string code, std::string actor, std::function<void(Status)> done) {
  {
    ReaderLock lock(mu_);
    if (!areas_.count(code)) return done(NotFound("no area with code '" + code + "'"));
    for (const auto& [c, a] : areas_)
      if (a.parent_code == code)
        return done(Conflict("area '" + code + "' still has child areas (e.g. '" + c + "'); move or delete them first"));
  }
  Submit(
      [code, actor = std::move(actor)](store::Tx& tx) -> Status {
        Result<store::Rows> r = tx.Exec(std::string("SELECT ") + kColumns + " FROM areas WHERE code = $1", {code});
        if (!r.ok()) return r.status();
        if (r->empty()) return NotFound("no area with code '" + code + "'");
        Result<Area> last = AreaFromRow(*r, 0);
        if (!last.ok()) return last.status();
        Result<store::Rows> kids = tx.Exec("SELECT code FROM areas WHERE parent_code = $1 ORDER BY code LIMIT 1", {code});
        if (!kids.ok()) return kids.status();
        if (!kids->empty())
          return Conflict("area '" + code + "' still has child areas (e.g. '" + kids->Text(0, "code") +
                          "'); move or delete them first");
        r = tx.Exec("DELETE FROM areas WHERE code = $1", {code});
        if (!r.ok()) return r.status();
        Result<store::Event> e =
            tx.Append(Draft(events::type::kAreaDeleted, actor, Payload(*last), code));
        return e.ok() ? Status::Ok() : e.status();
      },
      [this, code, done = std::move(done)](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "delete area"));
        Forget(code);
        done(Status::Ok());
      });
}

void AreaService::Apply(const Area& area) {
  WriterLock lock(mu_);
  areas_[area.code] = area;
  Status s = index_.Put(area.code, area.geometry);
  if (!s.ok()) spdlog::error("areas: area {} is not in the spatial index: {}", area.code, s.message());
}

void AreaService::Forget(const std::string& code) {
  WriterLock lock(mu_);
  areas_.erase(code);
  index_.Remove(code);
}

std::optional<Area> AreaService::Get(const std::string& code) const {
  ReaderLock lock(mu_);
  auto it = areas_.find(code);
  if (it == areas_.end()) return std::nullopt;
  return it->second;
}

std::vector<Area> AreaService::List(std::optional<Kind> kind, std::optional<std::string> parent) const {
  std::vector<Area> out;
  {
    ReaderLock lock(mu_);
    for (const auto& [code, a] : areas_) {
      if (kind && a.kind != *kind) continue;
      if (parent && a.parent_code != *parent) continue;
      out.push_back(a);
    }
  }
  std::sort(out.begin(), out.end(), [](const Area& x, const Area& y) { return x.code < y.code; });
  return out;
}

std::vector<const Area*> AreaService::AtLocked(double lat, double lon) const {
  std::vector<std::pair<size_t, const Area*>> found;  // (depth, area)
  for (const std::string& code : index_.At(lat, lon)) {
    auto it = areas_.find(code);
    if (it == areas_.end()) continue;
    size_t depth = 0;
    for (std::string cur = code; !cur.empty() && depth <= areas_.size(); ++depth) {
      auto p = areas_.find(cur);
      cur = p == areas_.end() ? std::string() : p->second.parent_code;
    }
    found.emplace_back(depth, &it->second);
  }
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second->code < y.second->code;
  });
  std::vector<const Area*> out;
  out.reserve(found.size());
  for (const auto& f : found) out.push_back(f.second);
  return out;
}

std::vector<Area> AreaService::At(double lat, double lon) const {
  ReaderLock lock(mu_);
  std::vector<Area> out;
  for (const Area* a : AtLocked(lat, lon)) out.push_back(*a);
  return out;
}

std::vector<std::string> AreaService::CodesAt(double lat, double lon) const {
  ReaderLock lock(mu_);
  std::vector<std::string> out;
  for (const Area* a : AtLocked(lat, lon)) out.push_back(a->code);
  return out;
}

std::vector<std::string> AreaService::CodesMeeting(
    const std::vector<std::pair<double, double>>& ring) const {
  return index_.Meeting(ring);
}

bool AreaService::Has(const std::string& code) const {
  ReaderLock lock(mu_);
  return areas_.count(code) > 0;
}

std::vector<std::string> AreaService::AgenciesOf(const std::string& code) const {
  ReaderLock lock(mu_);
  auto it = areas_.find(code);
  return it == areas_.end() ? std::vector<std::string>{} : it->second.agencies;
}

std::vector<std::string> AreaService::Path(const std::string& code) const {
  std::vector<std::string> path;
  ReaderLock lock(mu_);
  for (std::string cur = code; !cur.empty() && path.size() <= areas_.size();) {
    auto it = areas_.find(cur);
    if (it == areas_.end()) break;
    path.push_back(cur);
    cur = it->second.parent_code;
  }
  return path;
}

std::vector<std::string> AreaService::Descendants(const std::string& code) const {
  std::vector<std::string> out;
  if (code.empty()) return out;
  {
    ReaderLock lock(mu_);
    std::vector<std::string> frontier{code};
    while (!frontier.empty()) {
      std::vector<std::string> next;
      for (const auto& [c, a] : areas_) {
        if (std::find(frontier.begin(), frontier.end(), a.parent_code) != frontier.end() &&
            std::find(out.begin(), out.end(), c) == out.end() && c != code) {
          next.push_back(c);
        }
      }
      out.insert(out.end(), next.begin(), next.end());
      frontier = std::move(next);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> AreaService::Children(const std::string& code) const {
  std::vector<std::string> out;
  {
    ReaderLock lock(mu_);
    for (const auto& [c, a] : areas_)
      if (!code.empty() && a.parent_code == code) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace centinela::areas
