#include "dispatch/units.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <memory>
#include <mutex>

#include "auth/accounts.h"
#include "auth/roles.h"
#include "common/hash.h"
#include "community/json_list.h"
#include "events/types.h"
#include "store/sql.h"
#include "tracking/coords.h"

namespace centinela::dispatch {

namespace {

namespace json = boost::json;
using community::JsonStringList;
using community::ParseJsonStringList;

constexpr std::array<std::string_view, 5> kUnitStatuses = {"available", "assigned", "en_route",
                                                           "on_scene", "out_of_service"};

bool ValidCode(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string UnitScope(const Unit& u) { return events::scope::StaffArea(u.home_area); }

json::object UnitPayload(const Unit& u) {
  return json::object{{"id", u.id},
                      {"callsign", u.callsign},
                      {"agency", u.agency},
                      {"kind", u.kind},
                      {"status", u.status},
                      {"home_area", u.home_area},
                      {"incident_id", u.incident_id.empty() ? json::value(nullptr)
                                                            : json::value(u.incident_id)}};
}

Result<std::optional<Unit>> LoadUnitInTx(store::Tx& tx, const std::string& id) {
  auto rows = tx.Exec(
      "SELECT id, callsign, agency, kind, capabilities, home_area, status, incident_id, "
      "created_ms, updated_ms FROM units WHERE id = $1",
      {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Unit>();
  Unit u;
  u.id = rows->Text(0, "id");
  u.callsign = rows->Text(0, "callsign");
  u.agency = rows->Text(0, "agency");
  u.kind = rows->Text(0, "kind");
  u.capabilities = ParseJsonStringList(rows->Text(0, "capabilities"));
  u.home_area = rows->Text(0, "home_area");
  u.status = rows->Text(0, "status");
  u.incident_id = rows->Text(0, "incident_id");
  u.created_ms = rows->Int(0, "created_ms");
  u.updated_ms = rows->Int(0, "updated_ms");
  auto crew = tx.Exec("SELECT user_id FROM unit_crew WHERE unit_id = $1 ORDER BY user_id", {id});
  if (!crew.ok()) return crew.status();
  for (size_t i = 0; i < crew->size(); ++i) u.crew.push_back(crew->Text(i, "user_id"));
  return std::optional<Unit>(std::move(u));
}

Status WriteCrew(store::Tx& tx, const std::string& unit_id, const std::vector<std::string>& crew) {
  auto del = tx.Exec("DELETE FROM unit_crew WHERE unit_id = $1", {unit_id});
  if (!del.ok()) return del.status();
  for (const std::string& user : crew) {
    auto found = auth::UserExists(tx, user);
    if (!found.ok()) return found.status();
    if (!*found) return Unprocessable("unknown crew account '" + user + "'");
    auto ins = tx.Exec("INSERT INTO unit_crew (unit_id, user_id) VALUES ($1, $2)", {unit_id, user});
    if (!ins.ok()) return ins.status();
  }
  return Status::Ok();
}

Status SaveStatus(store::Tx& tx, Unit& u, const std::string& to, const std::string& incident_id,
                  const std::string& actor) {
  const std::string from = u.status;
  u.status = to;
  u.incident_id = incident_id;
  u.updated_ms = tx.NowMs();
  auto up = tx.Exec("UPDATE units SET status = $1, incident_id = $2, updated_ms = $3 WHERE id = $4",
                    {to, incident_id.empty() ? store::Value() : store::Value(incident_id),
                     u.updated_ms, u.id});
  if (!up.ok()) return up.status();
  json::object payload = UnitPayload(u);
  payload["from"] = from;
  auto e = tx.Append(
      {events::type::kUnitStatus, actor, "unit:" + u.id, UnitScope(u), json::serialize(payload)});
  if (!e.ok()) return e.status();
  return Status::Ok();
}

TransitionRequest To(IncidentStatus to) {
  TransitionRequest r;
  r.to = to;
  return r;
}

std::vector<std::string> Dedup(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

bool IsUnitStatus(std::string_view s) {
  return std::find(kUnitStatuses.begin(), kUnitStatuses.end(), s) != kUnitStatuses.end();
}

bool UnitTransitionAllowed(std::string_view from, std::string_view to) {
  if (from == "available") return to == "out_of_service" || to == "assigned";
  if (from == "out_of_service") return to == "available";
  if (from == "assigned") return to == "en_route" || to == "available";
  if (from == "en_route") return to == "on_scene" || to == "available";
  if (from == "on_scene") return to == "available";
  return false;
}

bool IsAgency(std::string_view agency) { return auth::IsKnownAgency(agency); }

Status ValidateNewUnit(const NewUnit& u) {
  if (u.callsign.empty() || u.callsign.size() > 32 ||
      !std::all_of(u.callsign.begin(), u.callsign.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; }))
    return Unprocessable("'callsign' must be 1 to 32 printable ASCII characters without spaces");
  if (!IsAgency(u.agency))
    return Unprocessable("'agency' must be one of " + auth::AgencyList());
  if (!IsUnitKind(u.kind))
    return Unprocessable(
        "'kind' must be patrol_car, motorbike, foot, ambulance, engine or municipal_crew");
  if (u.home_area.empty()) return Unprocessable("'home_area' is required");
  if (u.capabilities.size() > kMaxCapabilities) return Unprocessable("at most 20 capabilities");
  for (const std::string& c : u.capabilities)
    if (!ValidCode(c)) return Unprocessable("capabilities are [a-z0-9_] codes of 1 to 32");
  if (u.crew.size() > kMaxCrew) return Unprocessable("at most 12 crew members");
  return Status::Ok();
}

UnitService::UnitService(store::Store& store, const areas::AreaService& areas,
                         const tracking::PositionIndex& positions, int64_t stale_after_ms)
    : store_(store),
      areas_(areas),
      positions_(positions),
      stale_after_ms_(stale_after_ms),
      writes_(store) {}

UnitService::~UnitService() { writes_.Drain(); }

Status UnitService::Load() {
  auto rows = store_.Query(
      "SELECT id, callsign, agency, kind, capabilities, home_area, status, incident_id, "
      "created_ms, updated_ms FROM units");
  if (!rows.ok()) return rows.status();
  auto crew = store_.Query("SELECT unit_id, user_id FROM unit_crew ORDER BY user_id");
  if (!crew.ok()) return crew.status();
  std::map<std::string, Unit> units;
  for (size_t i = 0; i < rows->size(); ++i) {
    Unit u;
    u.id = rows->Text(i, "id");
    u.callsign = rows->Text(i, "callsign");
    u.agency = rows->Text(i, "agency");
    u.kind = rows->Text(i, "kind");
    u.capabilities = ParseJsonStringList(rows->Text(i, "capabilities"));
    u.home_area = rows->Text(i, "home_area");
    u.status = rows->Text(i, "status");
    u.incident_id = rows->Text(i, "incident_id");
    u.created_ms = rows->Int(i, "created_ms");
    u.updated_ms = rows->Int(i, "updated_ms");
    units[u.id] = std::move(u);
  }
  for (size_t i = 0; i < crew->size(); ++i) {
    auto it = units.find(crew->Text(i, "unit_id"));
    if (it != units.end()) it->second.crew.push_back(crew->Text(i, "user_id"));
  }
  WriterLock lock(mu_);
  units_ = std::move(units);
  return Status::Ok();
}

void UnitService::Apply(const Unit& u) {
  WriterLock lock(mu_);
  units_[u.id] = u;
}

void UnitService::Submit(std::shared_ptr<Unit> unit, store::WriteFn fn, Done done) {
  writes_.Submit(std::move(fn),
                 [this, unit, done = std::move(done)](Status s, std::vector<store::Event>) {
                   if (!s.ok()) return done(s);
                   Apply(*unit);
                   done(*unit);
                 });
}

void UnitService::Create(NewUnit n, std::string actor, Done done) {
  n.capabilities = Dedup(std::move(n.capabilities));
  n.crew = Dedup(std::move(n.crew));
  Status v = ValidateNewUnit(n);
  if (!v.ok()) return done(v);
  if (!areas_.Get(n.home_area)) return done(Unprocessable("unknown area '" + n.home_area + "'"));
  auto u = std::make_shared<Unit>();
  u->id = NewId();
  u->callsign = n.callsign;
  u->agency = n.agency;
  u->kind = n.kind;
  u->capabilities = n.capabilities;
  u->home_area = n.home_area;
  u->crew = n.crew;
  Submit(
      u,
      [u, actor](store::Tx& tx) -> Status {
        u->created_ms = u->updated_ms = tx.NowMs();
        auto taken = tx.Exec("SELECT id FROM units WHERE callsign = $1", {u->callsign});
        if (!taken.ok()) return taken.status();
        if (!taken->empty()) return Conflict("callsign '" + u->callsign + "' is taken");
        auto ins = tx.Exec(
            "INSERT INTO units (id, callsign, agency, kind, capabilities, home_area, status, "
            "created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {u->id, u->callsign, u->agency, u->kind, JsonStringList(u->capabilities),
             u->home_area, u->status, u->created_ms, u->updated_ms});
        if (!ins.ok()) return ins.status();
        Status s = WriteCrew(tx, u->id, u->crew);
        if (!s.ok()) return s;
        json::object payload = UnitPayload(*u);
        payload["capabilities"] = json::value_from(u->capabilities);
        auto e = tx.Append({events::type::kUnitCreated, actor, "unit:" + u->id, UnitScope(*u),
                            json::serialize(payload)});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      std::move(done));
}

void UnitService::SetCrew(std::string id, std::vector<std::string> crew, std::string actor,
                          Done done) {
  crew = Dedup(std::move(crew));
  if (crew.size() > kMaxCrew) return done(Unprocessable("at most 12 crew members"));
  auto u = std::make_shared<Unit>();
  Submit(
      u,
      [u, id, crew, actor](store::Tx& tx) -> Status {
        auto loaded = LoadUnitInTx(tx, id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no unit '" + id + "'");
        *u = std::move(**loaded);
        Status s = WriteCrew(tx, id, crew);
        if (!s.ok()) return s;
        u->crew = crew;
        u->updated_ms = tx.NowMs();
        auto up = tx.Exec("UPDATE units SET updated_ms = $1 WHERE id = $2", {u->updated_ms, id});
        if (!up.ok()) return up.status();
        json::object payload = UnitPayload(*u);
        payload["crew"] = json::value_from(crew);
        auto e = tx.Append({events::type::kUnitUpdated, actor, "unit:" + u->id, UnitScope(*u),
                            json::serialize(payload)});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      std::move(done));
}

void UnitService::Accept(std::string id, std::string actor, Done done) {
  auto u = std::make_shared<Unit>();
  Submit(
      u,
      [u, id, actor](store::Tx& tx) -> Status {
        auto loaded = LoadUnitInTx(tx, id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no unit '" + id + "'");
        *u = std::move(**loaded);
        if (u->status != "assigned" || u->incident_id.empty())
          return Conflict("the unit has no assignment waiting to be accepted");
        auto up = tx.Exec(
            "UPDATE incident_units SET accepted_ms = $1 WHERE unit_id = $2 AND incident_id = $3 "
            "AND released_ms IS NULL AND accepted_ms IS NULL",
            {tx.NowMs(), id, u->incident_id});
        if (!up.ok()) return up.status();
        if (up->affected == 0) return Conflict("the assignment was already accepted");
        json::object payload = UnitPayload(*u);
        auto e = tx.Append({events::type::kUnitAccepted, actor, "unit:" + u->id, UnitScope(*u),
                            json::serialize(payload)});
        if (!e.ok()) return e.status();
        return Status::Ok();
      },
      std::move(done));
}

void UnitService::MoveStatus(std::string id, std::string to, StepInput step, std::string actor,
                             Done done) {
  if (!IsUnitStatus(to) || to == "assigned") {
    return done(Unprocessable(
        "'status' must be en_route, on_scene, available or out_of_service (units are "
        "assigned by dispatch)"));
  }
  Status v = ValidateStepInput(step);
  if (!v.ok()) return done(v);
  auto u = std::make_shared<Unit>();
  Submit(
      u,
      [u, id, to, step, actor](store::Tx& tx) -> Status {
        auto loaded = LoadUnitInTx(tx, id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no unit '" + id + "'");
        *u = std::move(**loaded);
        if (!UnitTransitionAllowed(u->status, to))
          return Conflict("a unit that is " + u->status + " cannot become " + to);
        const std::string incident_id = u->incident_id;
        if (!incident_id.empty() && (to == "en_route" || to == "on_scene")) {
          // The incident follows its unit: dispatched -> en_route -> on_scene.
          auto cur = LoadIncidentRow(tx, incident_id);
          if (!cur.ok()) return cur.status();
          std::optional<IncidentStatus> status;
          if (*cur) status = (*cur)->status;
          const IncidentStatus target =
              to == "en_route" ? IncidentStatus::kEnRoute : IncidentStatus::kOnScene;
          if (status && to == "on_scene" && *status == IncidentStatus::kDispatched) {
            Status s = IncidentService::TransitionInTx(tx, incident_id, To(IncidentStatus::kEnRoute),
                                                       StepInput{}, actor, nullptr);
            if (!s.ok()) return s;
            status = IncidentStatus::kEnRoute;
          }
          if (status && TransitionExists(*status, target)) {
            Status s = IncidentService::TransitionInTx(tx, incident_id, To(target), step, actor,
                                                       nullptr);
            if (!s.ok()) return s;
          }
        }
        std::string keep = incident_id;
        if (to == "available" || to == "out_of_service") {
          keep.clear();
          if (!incident_id.empty()) {
            auto rel = tx.Exec(
                "UPDATE incident_units SET released_ms = $1 WHERE unit_id = $2 AND incident_id = "
                "$3 AND released_ms IS NULL",
                {tx.NowMs(), id, incident_id});
            if (!rel.ok()) return rel.status();
          }
        }
        return SaveStatus(tx, *u, to, keep, actor);
      },
      std::move(done));
}

void UnitService::Dispatch(std::string incident_id, std::string unit_id, std::string note,
                           std::string actor, Done done) {
  StepInput step;
  step.note = std::move(note);
  Status v = ValidateStepInput(step);
  if (!v.ok()) return done(v);
  auto u = std::make_shared<Unit>();
  Submit(
      u,
      [u, incident_id, unit_id, step, actor](store::Tx& tx) -> Status {
        auto loaded = LoadUnitInTx(tx, unit_id);
        if (!loaded.ok()) return loaded.status();
        if (!*loaded) return NotFound("no unit '" + unit_id + "'");
        *u = std::move(**loaded);
        if (u->status != "available")
          return Conflict("unit " + u->callsign + " is " + u->status + ", not available");
        auto loaded_incident = LoadIncidentRow(tx, incident_id);
        if (!loaded_incident.ok()) return loaded_incident.status();
        if (!*loaded_incident) return NotFound("no incident '" + incident_id + "'");
        const Incident& cur = **loaded_incident;
        if (!auth::AgencyMayServe(u->agency, cur.family)) {
          return Unprocessable("unit " + u->callsign + " (" + u->agency +
                               ") takes support tasks only (logistics, disaster, border), not a '" +
                               cur.family + "' incident");
        }
        if (!cur.merged_into.empty())
          return Conflict("incident was merged into '" + cur.merged_into + "'");
        std::optional<IncidentStatus> status = cur.status;
        if (*status == IncidentStatus::kNew) {
          Status s = IncidentService::TransitionInTx(tx, incident_id,
                                                     To(IncidentStatus::kAcknowledged), StepInput{},
                                                     actor, nullptr);
          if (!s.ok()) return s;
          status = IncidentStatus::kAcknowledged;
        }
        if (*status == IncidentStatus::kAcknowledged) {
          Status s = IncidentService::TransitionInTx(tx, incident_id,
                                                     To(IncidentStatus::kDispatched), step, actor,
                                                     nullptr);
          if (!s.ok()) return s;
        } else if (*status == IncidentStatus::kDispatched || *status == IncidentStatus::kEnRoute ||
                   *status == IncidentStatus::kOnScene) {
          // Reinforcement: the incident keeps its status; the timeline records the unit.
          StepInput reinforcement;
          reinforcement.note = u->callsign + (step.note.empty() ? "" : ": " + step.note);
          Status s = IncidentService::StepInTx(tx, incident_id, "unit_assigned", reinforcement,
                                               actor, nullptr);
          if (!s.ok()) return s;
        } else {
          return Conflict("an incident that is " + std::string(StatusName(*status)) +
                          " takes no units");
        }
        auto link = tx.Exec(
            "INSERT INTO incident_units (incident_id, unit_id, assigned_by, assigned_ms) VALUES "
            "($1, $2, $3, $4)",
            {incident_id, unit_id, actor, tx.NowMs()});
        if (!link.ok()) return link.status();
        Status s = SaveStatus(tx, *u, "assigned", incident_id, actor);
        if (!s.ok()) return s;
        json::object call{{"unit_id", u->id},
                          {"callsign", u->callsign},
                          {"incident_id", incident_id},
                          {"category", cur.category},
                          {"priority", int64_t{cur.priority}},
                          {"address", cur.address.empty() ? json::value(nullptr)
                                                          : json::value(cur.address)},
                          {"note", step.note.empty() ? json::value(nullptr) : json::value(step.note)}};
        const std::string payload =
            tracking::WithPlainCoords(call, cur.lat, cur.lon);
        for (const std::string& member : u->crew) {
          auto e = tx.Append({events::type::kUnitAssigned, actor, "unit:" + u->id,
                              events::scope::User(member), payload});
          if (!e.ok()) return e.status();
        }
        return Status::Ok();
      },
      std::move(done));
}

std::optional<Unit> UnitService::Get(const std::string& id) const {
  ReaderLock lock(mu_);
  auto it = units_.find(id);
  if (it == units_.end()) return std::nullopt;
  return it->second;
}

std::vector<Unit> UnitService::List() const {
  ReaderLock lock(mu_);
  std::vector<Unit> out;
  out.reserve(units_.size());
  for (const auto& [id, u] : units_) out.push_back(u);
  std::sort(out.begin(), out.end(),
            [](const Unit& a, const Unit& b) { return a.callsign < b.callsign; });
  return out;
}

std::vector<Unit> UnitService::OfCrewMember(const std::string& user_id) const {
  ReaderLock lock(mu_);
  std::vector<Unit> out;
  for (const auto& [id, u] : units_)
    if (std::find(u.crew.begin(), u.crew.end(), user_id) != u.crew.end()) out.push_back(u);
  return out;
}

std::vector<Recommendation> UnitService::Recommend(double lat, double lon,
                                                   const std::vector<std::string>& agencies,
                                                   const std::vector<std::string>& capabilities,
                                                   int k) const {
  RecommendQuery q;
  q.lat = lat;
  q.lon = lon;
  q.agencies = agencies;
  q.capabilities = capabilities;
  q.k = std::clamp(k, 1, kMaxRecommendations);
  constexpr double kHalfEarth = 20'037'509;  // metres: every point is closer than this
  auto gather = [&](double radius_m) {
    std::vector<Candidate> out;
    ReaderLock lock(mu_);
    positions_.ForEachNear(lat, lon, radius_m, [&](const tracking::LatestFix& fix) {
      mu_.AssertReaderHeld();  // called synchronously, inside this lock
      auto it = units_.find(fix.unit_id);
      if (it == units_.end()) return;
      const Unit& u = it->second;
      Candidate c{u.id, u.callsign, u.agency, u.kind, u.capabilities, u.status == "available",
                  fix.lat, fix.lon};
      if (Eligible(q, c)) out.push_back(std::move(c));
    });
    return out;
  };
  // Widen until k eligible units are inside; then every unit that could arrive sooner than
  // the k-th lies within eta_k * (fastest speed): one more gather at that radius is exact.
  double radius = 2000;
  std::vector<Candidate> candidates = gather(radius);
  while (static_cast<int>(candidates.size()) < q.k && radius < kHalfEarth) {
    radius = std::min(kHalfEarth, radius * 4);
    candidates = gather(radius);
  }
  std::vector<Recommendation> ranked = RankUnits(q, candidates);
  if (static_cast<int>(ranked.size()) == q.k) {
    const double bound = ranked.back().eta_s * MaxSpeedMps();
    if (bound > radius) ranked = RankUnits(q, gather(std::min(kHalfEarth, bound)));
  }
  return ranked;
}

Result<std::vector<Assignment>> AssignmentsOf(store::Store& store, const std::string& incident_id) {
  auto rows = store.Query(
      "SELECT a.unit_id, u.callsign, a.assigned_ms, a.accepted_ms, a.released_ms FROM "
      "incident_units a JOIN units u ON u.id = a.unit_id WHERE a.incident_id = $1 ORDER BY "
      "a.assigned_ms",
      {incident_id});
  return store::MapRows<Assignment>(rows, [](const store::Rows& r, size_t i) {
    return Assignment{r.Text(i, "unit_id"), r.Text(i, "callsign"), r.Int(i, "assigned_ms"),
                      r.Int(i, "accepted_ms"), r.Int(i, "released_ms")};
  });
}

Result<std::optional<Assignment>> OpenAssignment(store::Store& store,
                                                 const std::string& incident_id,
                                                 const std::string& unit_id) {
  auto rows = store.Query(
      "SELECT assigned_ms, accepted_ms FROM incident_units WHERE incident_id = $1 AND unit_id = "
      "$2 AND released_ms IS NULL ORDER BY assigned_ms DESC LIMIT 1",
      {incident_id, unit_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Assignment>();
  Assignment a;
  a.unit_id = unit_id;
  a.assigned_ms = rows->Int(0, "assigned_ms");
  a.accepted_ms = rows->Int(0, "accepted_ms");
  return std::optional<Assignment>(std::move(a));
}

}  // namespace centinela::dispatch
