// /api/v1/units: the registry (operators and admins whose grant covers the unit's home
// area), the crew's own view (/units/mine) and the responder endpoints: accept the
// assignment, move through en route / on scene / available. Moves carry the incident's
// public steps (with an optional note and photo).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "api/context.h"
#include "api/dispatch_json.h"
#include "api/json.h"
#include "api/route.h"
#include "dispatch/units.h"

namespace centinela::api {

namespace {

using dispatch::Unit;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::object UnitJson(ApiContext& ctx, const Unit& u, RawJson& raw) {
  json::object o{{"id", u.id},
                 {"callsign", u.callsign},
                 {"agency", u.agency},
                 {"kind", u.kind},
                 {"capabilities", Strings(u.capabilities)},
                 {"home_area", u.home_area},
                 {"status", u.status},
                 {"incident_id",
                  u.incident_id.empty() ? json::value(nullptr) : json::value(u.incident_id)},
                 {"crew", Strings(u.crew)},
                 {"created_at", FormatIsoTime(u.created_ms)},
                 {"updated_at", FormatIsoTime(u.updated_ms)}};
  auto fix = ctx.units->positions().Get(u.id);
  if (fix) {
    o["position"] = json::object{{"lat", PlainNumber(raw, fix->lat)},
                                 {"lon", PlainNumber(raw, fix->lon)},
                                 {"at", FormatIsoTime(fix->time_ms)}};
    o["stale"] = NowMs() - fix->received_ms > ctx.units->stale_after_ms();
  } else {
    o["position"] = nullptr;
    o["stale"] = true;
  }
  return o;
}

http::Response UnitResponse(ApiContext& ctx, int status, const Unit& u) {
  RawJson raw;
  return JsonResponse(status, UnitJson(ctx, u, raw), &raw);
}

bool IsCrew(const Unit& u, const std::string& user_id) {
  return std::find(u.crew.begin(), u.crew.end(), user_id) != u.crew.end();
}

Result<std::vector<std::string>> Ids(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return out;
  if (!v->is_array()) return Unprocessable("field '" + std::string(name) + "' must be a list");
  for (const json::value& x : v->as_array()) {
    if (!x.is_string() || x.get_string().empty() || x.get_string().size() > 64)
      return Unprocessable("field '" + std::string(name) + "' must list strings of 1 to 64");
    out.emplace_back(x.get_string());
  }
  if (out.size() > 50) return Unprocessable("field '" + std::string(name) + "' is too long");
  return out;
}

void CreateUnit(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  dispatch::NewUnit u;
  u.callsign = RequiredString(*body, "callsign", &err, 32);
  u.agency = RequiredString(*body, "agency", &err, 32);
  u.kind = RequiredString(*body, "kind", &err, 32);
  u.home_area = RequiredString(*body, "home_area", &err, 64);
  if (!err.ok()) return respond(err);
  auto caps = Ids(*body, "capabilities");
  if (!caps.ok()) return respond(caps.status());
  auto crew = Ids(*body, "crew");
  if (!crew.ok()) return respond(crew.status());
  u.capabilities = std::move(*caps);
  u.crew = std::move(*crew);
  if (!ctx.areas.Get(u.home_area))
    return respond(Unprocessable("unknown area '" + u.home_area + "'"));
  if (!Covers(ctx, p, ControlRoomRoles(), u.home_area))
    return respond(PermissionDenied("your grant does not cover area '" + u.home_area + "'"));
  ctx.units->Create(std::move(u), p.user_id, [&ctx, respond](Result<Unit> r) {
    if (!r.ok()) return respond(r.status());
    respond(UnitResponse(ctx, 201, *r));
  });
}

void ListUnits(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string status = req.Query("status"), agency = req.Query("agency");
  if (!status.empty() && !dispatch::IsUnitStatus(status))
    return respond(InvalidArgument("unknown 'status'"));
  RawJson raw;
  json::array out;
  for (const Unit& u : ctx.units->List()) {
    if (!status.empty() && u.status != status) continue;
    if (!agency.empty() && u.agency != agency) continue;
    if (!Covers(ctx, p, ControlRoomRoles(), u.home_area)) continue;
    out.push_back(UnitJson(ctx, u, raw));
  }
  respond(JsonResponse(200, json::object{{"units", std::move(out)}}, &raw));
}

// What the crew needs of its current call: where, what, how urgent, and whether it has
// accepted. The caller's name and phone stay with the control room.
Result<json::value> AssignmentJson(ApiContext& ctx, const Unit& u, RawJson& raw) {
  if (u.incident_id.empty() || !ctx.incidents) return json::value(nullptr);
  auto n = ctx.incidents->Get(u.incident_id);
  if (!n.ok()) return n.status();
  if (!*n) return json::value(nullptr);
  auto link = dispatch::OpenAssignment(ctx.store, u.incident_id, u.id);
  if (!link.ok()) return link.status();
  const dispatch::Incident& i = **n;
  json::object o{{"incident_id", i.id},
                 {"category", i.category},
                 {"priority", fmt::format("P{}", i.priority)},
                 {"status", dispatch::StatusName(i.status)},
                 {"lat", PlainNumber(raw, i.lat)},
                 {"lon", PlainNumber(raw, i.lon)},
                 {"address", i.address.empty() ? json::value(nullptr) : json::value(i.address)},
                 {"description",
                  i.description.empty() ? json::value(nullptr) : json::value(i.description)}};
  const bool linked = link->has_value();
  o["assigned_at"] = linked && (*link)->assigned_ms
                         ? json::value(FormatIsoTime((*link)->assigned_ms))
                         : json::value(nullptr);
  o["accepted_at"] = linked && (*link)->accepted_ms
                         ? json::value(FormatIsoTime((*link)->accepted_ms))
                         : json::value(nullptr);
  return json::value(std::move(o));
}

void MyUnits(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  RawJson raw;
  json::array out;
  for (const Unit& u : ctx.units->OfCrewMember(p.user_id)) {
    json::object o = UnitJson(ctx, u, raw);
    auto a = AssignmentJson(ctx, u, raw);
    if (!a.ok()) return respond(a.status());
    o["assignment"] = std::move(*a);
    out.push_back(std::move(o));
  }
  respond(JsonResponse(200, json::object{{"units", std::move(out)}}, &raw));
}

// The unit {id} when the caller is its crew (`crew_ok`) or control-room staff covering its
// home area; 404 otherwise, whatever the caller's roles (the crew holds none), so the route
// admits any signed-in user and the check is here.
Result<Unit> VisibleUnit(ApiContext& ctx, const http::Request& req, const Caller& p,
                         bool crew_ok) {
  const std::string id = req.Param("id");
  auto u = ctx.units->Get(id);
  const bool allowed = u && ((crew_ok && IsCrew(*u, p.user_id)) ||
                             Covers(ctx, p, ControlRoomRoles(), u->home_area));
  if (!allowed) return NotFound("no unit '" + id + "'");
  return std::move(*u);
}

void GetUnit(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = VisibleUnit(ctx, req, p, true);
  if (!unit.ok()) return respond(unit.status());
  respond(UnitResponse(ctx, 200, *unit));
}

void PutCrew(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = VisibleUnit(ctx, req, p, false);
  if (!unit.ok()) return respond(unit.status());
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auto crew = Ids(*body, "crew");
  if (!crew.ok()) return respond(crew.status());
  ctx.units->SetCrew(unit->id, std::move(*crew), p.user_id,
                     [&ctx, respond](Result<Unit> r) {
                       if (!r.ok()) return respond(r.status());
                       respond(UnitResponse(ctx, 200, *r));
                     });
}

void Accept(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = VisibleUnit(ctx, req, p, true);
  if (!unit.ok()) return respond(unit.status());
  if (!IsCrew(*unit, p.user_id))
    return respond(PermissionDenied("only the unit's crew accepts"));
  ctx.units->Accept(unit->id, p.user_id, [&ctx, respond](Result<Unit> r) {
    if (!r.ok()) return respond(r.status());
    respond(UnitResponse(ctx, 200, *r));
  });
}

void PostStatus(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = VisibleUnit(ctx, req, p, true);
  if (!unit.ok()) return respond(unit.status());
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string to = RequiredString(*body, "status", &err, 32);
  dispatch::StepInput step;
  step.note = StringField(*body, "note", &err, dispatch::kMaxNoteBytes).value_or("");
  step.media_id = StringField(*body, "media_id", &err, 64).value_or("");
  if (const json::value* pub = body->if_contains("public"); pub && !pub->is_null()) {
    if (!pub->is_bool()) return respond(Unprocessable("'public' is a boolean"));
    step.is_public = pub->get_bool();
  }
  if (!err.ok()) return respond(err);
  ctx.units->MoveStatus(unit->id, std::move(to), std::move(step), p.user_id,
                        [&ctx, respond](Result<Unit> r) {
                          if (!r.ok()) return respond(r.status());
                          respond(UnitResponse(ctx, 200, *r));
                        });
}

}  // namespace

void AddUnitRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.units != nullptr; });
  const Access staff = Roles(ControlRoomRoles(), Somewhere());
  t.Add("POST", "/api/v1/units", staff, CreateUnit);
  t.Add("GET", "/api/v1/units", staff, ListUnits);
  t.Add("GET", "/api/v1/units/mine", AnyUser(), MyUnits);
  // The crew (any account) or staff covering the unit's home area (VisibleUnit).
  t.Add("GET", "/api/v1/units/{id}", AnyUser(), GetUnit);
  t.Add("PUT", "/api/v1/units/{id}/crew", AnyUser(), PutCrew);
  t.Add("POST", "/api/v1/units/{id}/accept", AnyUser(), Accept);
  t.Add("POST", "/api/v1/units/{id}/status", AnyUser(), PostStatus);
}

}  // namespace centinela::api
