// /api/v1/incidents: the control room's cases. Operators and admins whose grant covers the
// incident's place create them (911 call or escalating a report), move them through the
// state machine, write timeline steps, merge duplicates and dispatch units. The reporter
// (and the neighbourhood, for public categories) sees only the public steps, through the
// report detail (PublicTimelineJson), whose visibility is community::Decide's.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "api/attribution.h"
#include "api/context.h"
#include "api/dispatch_json.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "community/reports.h"
#include "dispatch/incidents.h"
#include "dispatch/units.h"

namespace centinela::api {

using dispatch::Incident;
using dispatch::IncidentStatus;

json::value PlainNumber(RawJson& raw, double v) { return raw.Add(fmt::format("{}", v)); }

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

const std::vector<auth::Role>& ControlRoomRoles() {
  static const std::vector<auth::Role> kRoles = {auth::Role::kOperator, auth::Role::kAdmin};
  return kRoles;
}

bool CoversAny(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
               const std::vector<std::string>& areas) {
  if (areas.empty()) return auth::Authorize(p, roles, {std::string(auth::kAllAreas)});
  return std::any_of(areas.begin(), areas.end(),
                     [&](const std::string& a) { return Covers(ctx, p, roles, a); });
}

json::object StepJson(const dispatch::Step& s) {
  dispatch::StepLabel label = dispatch::LabelFor(s.kind);
  json::object o{{"id", s.id},
                 {"kind", s.kind},
                 {"label", json::object{{"es", label.es}, {"en", label.en}}},
                 {"status", s.status},
                 {"note", s.note.empty() ? json::value(nullptr) : json::value(s.note)},
                 {"media_id", s.media_id.empty() ? json::value(nullptr) : json::value(s.media_id)},
                 {"at", FormatIsoTime(s.created_ms)}};
  return o;
}

namespace {

json::value Mark(int64_t ms) { return ms ? json::value(FormatIsoTime(ms)) : json::value(nullptr); }
json::value Seconds(int64_t from, int64_t to) {
  return from && to ? json::value(static_cast<double>(to - from) / 1000.0) : json::value(nullptr);
}

}  // namespace

json::object IncidentJson(const Incident& n, const std::vector<community::VisibleReport>& reports,
                          RawJson& raw, Attribution& who) {
  json::object o{{"id", n.id},
                 {"category", n.category},
                 {"family", n.family},
                 {"sensitivity", community::SensitivityName(n.sensitivity)},
                 {"priority", fmt::format("P{}", n.priority)},
                 {"status", dispatch::StatusName(n.status)},
                 {"outcome", n.outcome.empty() ? json::value(nullptr) : json::value(n.outcome)},
                 {"source", n.source},
                 {"lat", PlainNumber(raw, n.lat)},
                 {"lon", PlainNumber(raw, n.lon)},
                 {"address", n.address.empty() ? json::value(nullptr) : json::value(n.address)},
                 {"description",
                  n.description.empty() ? json::value(nullptr) : json::value(n.description)},
                 {"areas", Strings(n.areas)},
                 {"agencies", Strings(n.agencies)},
                 {"reports", Strings(n.report_ids)},
                 {"created_by", who.PersonId(n.created_by, reports)},
                 {"merged_into",
                  n.merged_into.empty() ? json::value(nullptr) : json::value(n.merged_into)},
                 {"created_at", FormatIsoTime(n.created_ms)},
                 {"updated_at", FormatIsoTime(n.updated_ms)}};
  o["caller"] = n.source == "call" ? json::value(json::object{{"name", n.caller_name},
                                                               {"phone", n.caller_phone}})
                                   : json::value(nullptr);
  o["response_times"] = json::object{
      {"received_at", Mark(n.received_ms)},
      {"acknowledged_at", Mark(n.acknowledged_ms)},
      {"dispatched_at", Mark(n.dispatched_ms)},
      {"on_scene_at", Mark(n.on_scene_ms)},
      {"closed_at", Mark(n.closed_ms)},
      {"seconds_to_acknowledge", Seconds(n.received_ms, n.acknowledged_ms)},
      {"seconds_to_dispatch", Seconds(n.received_ms, n.dispatched_ms)},
      {"seconds_to_on_scene", Seconds(n.received_ms, n.on_scene_ms)},
      {"seconds_to_close", Seconds(n.received_ms, n.closed_ms)}};
  json::array steps;
  for (const dispatch::Step& s : n.steps) {
    json::object step = StepJson(s);
    step["public"] = s.is_public;
    step["actor_id"] = who.PersonId(s.actor_id, reports);
    steps.push_back(std::move(step));
  }
  o["steps"] = std::move(steps);
  return o;
}

Result<std::vector<community::VisibleReport>> ReportsOf(ApiContext& ctx, const auth::Principal& p,
                                                        const std::vector<const Incident*>& ns) {
  std::vector<std::string> ids;
  for (const Incident* n : ns) ids.insert(ids.end(), n->report_ids.begin(), n->report_ids.end());
  if (ids.empty()) return std::vector<community::VisibleReport>();
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return viewer.status();
  return ctx.reports->Decided(*viewer, ids);
}

std::vector<community::VisibleReport> OwnReports(const Incident& n,
                                                 const std::vector<community::VisibleReport>& all) {
  std::vector<community::VisibleReport> out;
  for (const community::VisibleReport& r : all)
    if (std::find(n.report_ids.begin(), n.report_ids.end(), r.report.id) != n.report_ids.end())
      out.push_back(r);
  return out;
}

namespace {

}  // namespace

void ReplyIncident(ApiContext& ctx, const auth::Principal& p, int status, const Incident& n,
                   const Respond& respond, const std::function<void(json::object&)>& extra) {
  auto reports = ReportsOf(ctx, p, {&n});
  if (!reports.ok()) return respond(reports.status());
  RawJson raw;
  Attribution who;
  json::object o = IncidentJson(n, *reports, raw, who);
  if (extra) extra(o);
  AnswerLogged(ctx, p.user_id, who, JsonResponse(status, o, &raw), respond);
}

Result<std::optional<json::object>> PublicTimelineJson(ApiContext& ctx,
                                                       const std::string& report_id) {
  if (!ctx.incidents) return std::optional<json::object>();
  auto t = ctx.incidents->ForReport(report_id);
  if (!t.ok()) return t.status();
  if (!*t) return std::optional<json::object>();
  json::array steps;
  for (const dispatch::Step& s : (*t)->steps) steps.push_back(StepJson(s));
  return std::optional<json::object>(json::object{
      {"id", (*t)->incident_id}, {"status", (*t)->status}, {"steps", std::move(steps)}});
}

namespace {

std::optional<bool> Bool(const json::object& o, std::string_view name, Status* error) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    *error = Unprocessable("field '" + std::string(name) + "' must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<int> Priority(const json::object& o, Status* error) {
  const json::value* v = o.if_contains("priority");
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (s.size() == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '4')
      return s[1] - '0';
  } else if (v->is_int64() && v->get_int64() >= 1 && v->get_int64() <= 4) {
    return static_cast<int>(v->get_int64());
  }
  *error = Unprocessable("'priority' must be P1, P2, P3 or P4 (or 1-4)");
  return std::nullopt;
}

Result<std::vector<std::string>> StringList(const json::object& o, std::string_view name,
                                            size_t max_items) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return out;
  if (!v->is_array()) return Unprocessable("field '" + std::string(name) + "' must be a list");
  for (const json::value& x : v->as_array()) {
    if (!x.is_string() || x.get_string().size() > 64)
      return Unprocessable("field '" + std::string(name) + "' must list ids");
    out.emplace_back(x.get_string());
  }
  if (out.size() > max_items)
    return Unprocessable(fmt::format("field '{}' lists at most {}", name, max_items));
  return out;
}

dispatch::StepInput ReadStep(const json::object& o, Status* err) {
  dispatch::StepInput s;
  s.note = StringField(o, "note", err, dispatch::kMaxNoteBytes).value_or("");
  s.media_id = StringField(o, "media_id", err, 64).value_or("");
  s.is_public = Bool(o, "public", err);
  return s;
}

// Replies with the fresh incident (steps included) after a write by `p`.
void ReplyFresh(ApiContext& ctx, const auth::Principal& p, const Respond& respond, int status,
                Result<Incident> r) {
  if (!r.ok()) return respond(r.status());
  auto full = ctx.incidents->Get(r->id);
  if (!full.ok() || !*full) return ReplyIncident(ctx, p, status, *r, respond, {});
  ReplyIncident(ctx, p, status, **full, respond, {});
}

// The incident {id} when the caller's control-room grant covers it (the route has checked
// the role). Unknown and uncovered look alike (404) to staff of other areas, while a caller
// without the role gets 403: so the area is checked here, on the incident loaded once, and
// not by the route's AreaRule (whose uncovered answer is 403, or 404 for the role too).
Result<Incident> CoveredIncident(ApiContext& ctx, const http::Request& req, const Caller& p) {
  const std::string id = req.Param("id");
  auto n = ctx.incidents->Get(id);
  if (!n.ok()) return n.status();
  if (!*n || !CoversAny(ctx, p, ControlRoomRoles(), (*n)->areas))
    return NotFound("no incident '" + id + "'");
  return std::move(**n);
}

void CreateFromCall(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  dispatch::NewCall call;
  call.category = RequiredString(*body, "category", &err, 64);
  auto lat = NumberField(*body, "lat", &err);
  auto lon = NumberField(*body, "lon", &err);
  call.address = StringField(*body, "address", &err, 300).value_or("");
  call.caller_name = StringField(*body, "caller_name", &err, 100).value_or("");
  call.caller_phone = StringField(*body, "caller_phone", &err, 32).value_or("");
  call.notes = StringField(*body, "notes", &err, dispatch::kMaxNoteBytes).value_or("");
  call.priority = Priority(*body, &err);
  if (!err.ok()) return respond(err);
  if (!lat || !lon)
    return respond(Unprocessable("fields 'lat' and 'lon' are required"));
  call.lat = *lat;
  call.lon = *lon;
  Status v = dispatch::ValidateNewCall(call, *ctx.categories);
  if (!v.ok()) return respond(v);
  auto routed = community::RouteReport(ctx.areas, ctx.incidents->options().default_area,
                                       call.lat, call.lon, {});
  if (!CoversAny(ctx, p, ControlRoomRoles(), routed.first))
    return respond(PermissionDenied("your grant does not cover the place of this call"));
  ctx.incidents->CreateFromCall(
      std::move(call), p.user_id,
      [&ctx, p, respond](Result<Incident> r) { ReplyFresh(ctx, p, respond, 201, std::move(r)); });
}

void Escalate(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string id = req.Param("id");
  auto viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return respond(viewer.status());
  auto report = ctx.reports->Get(*viewer, id);
  if (!report.ok()) return respond(report.status());
  if (!*report || !CoversAny(ctx, p, ControlRoomRoles(), (*report)->report.areas))
    return respond(NotFound("no report '" + id + "'"));
  Status err;
  std::optional<int> priority;
  std::string note;
  if (!req.body.empty()) {
    auto body = ParseBody(req);
    if (!body.ok()) return respond(body.status());
    priority = Priority(*body, &err);
    note = StringField(*body, "note", &err, dispatch::kMaxNoteBytes).value_or("");
    if (!err.ok()) return respond(err);
  }
  ctx.incidents->Escalate(
      id, priority, std::move(note), p.user_id,
      [&ctx, p, respond](Result<Incident> r) { ReplyFresh(ctx, p, respond, 201, std::move(r)); });
}

// GET /api/v1/incidents?assigned=mine: the incidents the caller's units (those whose crew
// includes the caller, usually a responder) are assigned to now, newest first, each with
// the unit. Any signed-in account; a caller on no crew gets an empty list. The caller's
// name and phone stay with the control room (as in /units/mine).
void ListMine(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  RawJson raw;
  std::vector<std::pair<Incident, dispatch::Unit>> mine;
  if (ctx.units) {
    for (const dispatch::Unit& u : ctx.units->OfCrewMember(p.user_id)) {
      if (u.incident_id.empty()) continue;
      auto n = ctx.incidents->Get(u.incident_id);
      if (!n.ok()) return respond(n.status());
      if (*n) mine.emplace_back(std::move(**n), u);
    }
  }
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return a.first.created_ms != b.first.created_ms ? a.first.created_ms > b.first.created_ms
                                                    : a.first.id > b.first.id;
  });
  std::vector<const Incident*> listed;
  listed.reserve(mine.size());
  for (const auto& item : mine) listed.push_back(&item.first);
  auto reports = ReportsOf(ctx, p, listed);
  if (!reports.ok()) return respond(reports.status());
  Attribution who;
  json::array out;
  for (const auto& [n, u] : mine) {
    json::object o = IncidentJson(n, OwnReports(n, *reports), raw, who);
    o.erase("steps");
    o["caller"] = nullptr;
    o["unit"] = json::object{{"id", u.id}, {"callsign", u.callsign}, {"status", u.status}};
    out.push_back(std::move(o));
  }
  AnswerLogged(
      ctx, p.user_id, who,
      JsonResponse(200, json::object{{"incidents", std::move(out)}, {"next_cursor", nullptr}},
                   &raw),
      std::move(respond));
}

void ListIncidents(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto assigned = QueryChoice(req, "assigned", {"mine"}, "");
  if (!assigned.ok()) return respond(assigned.status());
  if (*assigned == "mine") return ListMine(ctx, req, p, std::move(respond));
  // The route serves any signed-in account (for ?assigned=mine); the whole list is the
  // control room's.
  if (!auth::HoldsAny(p, ControlRoomRoles()))
    return respond(PermissionDenied("this action needs the role: operator, admin"));
  dispatch::IncidentFilter f;
  auth::AreaScope scope = auth::ScopeOf(p, ControlRoomRoles());
  f.all_areas = scope.all;
  f.scope_areas = std::move(scope.areas);
  f.status = req.Query("status");
  if (!f.status.empty() && !dispatch::ParseStatus(f.status))
    return respond(InvalidArgument("unknown 'status'"));
  f.area = req.Query("area");
  auto limit = QueryInt(req, "limit", 1, dispatch::kMaxIncidentPage);
  if (!limit.ok()) return respond(limit.status());
  if (*limit) f.limit = static_cast<int>(**limit);
  if (auto c = QueryText(req, "cursor")) {
    f.before = community::DecodeCursor(*c);
    if (!f.before) return respond(InvalidArgument("bad 'cursor'"));
  }
  auto list = ctx.incidents->List(f);
  if (!list.ok()) return respond(list.status());
  std::vector<const Incident*> listed;
  listed.reserve(list->size());
  for (const Incident& n : *list) listed.push_back(&n);
  auto reports = ReportsOf(ctx, p, listed);
  if (!reports.ok()) return respond(reports.status());
  RawJson raw;
  Attribution who;
  json::array out;
  for (const Incident& n : *list) {
    json::object o = IncidentJson(n, OwnReports(n, *reports), raw, who);
    o.erase("steps");
    out.push_back(std::move(o));
  }
  json::object doc{{"incidents", std::move(out)}};
  doc["next_cursor"] = static_cast<int>(list->size()) == f.limit
                           ? json::value(community::EncodeCursor(list->back().created_ms,
                                                                 list->back().id))
                           : json::value(nullptr);
  AnswerLogged(ctx, p.user_id, who, JsonResponse(200, doc, &raw), std::move(respond));
}

void GetIncident(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  auto units = dispatch::AssignmentsOf(ctx.store, incident->id);
  if (!units.ok()) return respond(units.status());
  json::array assigned;
  for (const dispatch::Assignment& a : *units) {
    assigned.push_back(json::object{
        {"unit_id", a.unit_id},
        {"callsign", a.callsign},
        {"assigned_at", Mark(a.assigned_ms)},
        {"accepted_at", Mark(a.accepted_ms)},
        {"released_at", Mark(a.released_ms)}});
  }
  ReplyIncident(ctx, p, 200, *incident, respond,
                [&assigned](json::object& o) { o["units"] = std::move(assigned); });
}

void PostTransition(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string to = RequiredString(*body, "status", &err, 32);
  dispatch::TransitionRequest t;
  t.outcome = StringField(*body, "outcome", &err, 64).value_or("");
  t.reason = StringField(*body, "reason", &err, dispatch::kMaxNoteBytes).value_or("");
  dispatch::StepInput step = ReadStep(*body, &err);
  if (!err.ok()) return respond(err);
  auto status = dispatch::ParseStatus(to);
  if (!status) return respond(Unprocessable("unknown 'status' '" + to + "'"));
  t.to = *status;
  ctx.incidents->Transition(incident->id, t, std::move(step), p.user_id,
                            [&ctx, p, respond](Result<Incident> r) {
                              ReplyFresh(ctx, p, respond, 200, std::move(r));
                            });
}

void PostStep(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string kind = RequiredString(*body, "kind", &err, 32);
  dispatch::StepInput step = ReadStep(*body, &err);
  if (!err.ok()) return respond(err);
  ctx.incidents->AddStep(incident->id, std::move(kind), std::move(step), p.user_id,
                         [&ctx, p, respond](Result<Incident> r) {
                           ReplyFresh(ctx, p, respond, 201, std::move(r));
                         });
}

void PostMerge(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auto incidents = StringList(*body, "incidents", dispatch::kMaxMergeItems);
  if (!incidents.ok()) return respond(incidents.status());
  auto reports = StringList(*body, "reports", dispatch::kMaxMergeItems);
  if (!reports.ok()) return respond(reports.status());
  // Everything merged must be within the caller's scope too.
  for (const std::string& id : *incidents) {
    auto other = ctx.incidents->Get(id);
    if (!other.ok()) return respond(other.status());
    if (!*other || !CoversAny(ctx, p, ControlRoomRoles(), (*other)->areas))
      return respond(NotFound("no incident '" + id + "'"));
  }
  if (!reports->empty()) {
    auto viewer = ctx.reports->ViewerFor(p);
    if (!viewer.ok()) return respond(viewer.status());
    for (const std::string& id : *reports) {
      auto r = ctx.reports->Get(*viewer, id);
      if (!r.ok()) return respond(r.status());
      if (!*r || !CoversAny(ctx, p, ControlRoomRoles(), (*r)->report.areas))
        return respond(NotFound("no report '" + id + "'"));
    }
  }
  ctx.incidents->Merge(incident->id, std::move(*incidents), std::move(*reports), p.user_id,
                       [&ctx, p, respond](Result<Incident> r) {
                         ReplyFresh(ctx, p, respond, 200, std::move(r));
                       });
}

void GetDuplicates(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  auto dups = ctx.incidents->Duplicates(*incident);
  if (!dups.ok()) return respond(dups.status());
  RawJson raw;
  json::array out;
  for (const dispatch::Duplicate& d : *dups) {
    out.push_back(json::object{{"kind", d.kind},
                               {"id", d.id},
                               {"category", d.category},
                               {"distance_m", PlainNumber(raw, std::round(d.distance_m))},
                               {"created_at", FormatIsoTime(d.created_ms)}});
  }
  const auto& o = ctx.incidents->options();
  respond(JsonResponse(200,
                     json::object{{"duplicates", std::move(out)},
                                  {"radius_m", PlainNumber(raw, o.duplicate_radius_m)},
                                  {"window_s", o.duplicate_window_ms / 1000}},
                     &raw));
}

void GetRecommendations(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  if (!ctx.units) return respond(Unavailable("units are not enabled"));
  auto k = QueryInt(req, "k", 1, dispatch::kMaxRecommendations);
  if (!k.ok()) return respond(k.status());
  auto caps = QueryList(req, "capabilities", dispatch::kMaxCapabilities);
  if (!caps.ok()) return respond(caps.status());
  const Incident& n = *incident;
  auto ranked =
      ctx.units->Recommend(n.lat, n.lon, n.agencies, *caps, static_cast<int>(k->value_or(5)));
  RawJson raw;
  json::array out;
  for (const dispatch::Recommendation& r : ranked) {
    out.push_back(json::object{{"unit_id", r.unit_id},
                               {"callsign", r.callsign},
                               {"agency", r.agency},
                               {"kind", r.kind},
                               {"distance_m", PlainNumber(raw, std::round(r.distance_m))},
                               {"eta_s", PlainNumber(raw, std::round(r.eta_s))}});
  }
  respond(JsonResponse(200,
                     json::object{{"incident_id", n.id},
                                  {"agencies", Strings(n.agencies)},
                                  {"units", std::move(out)}},
                     &raw));
}

void PostDispatch(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto incident = CoveredIncident(ctx, req, p);
  if (!incident.ok()) return respond(incident.status());
  if (!ctx.units) return respond(Unavailable("units are not enabled"));
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string unit_id = RequiredString(*body, "unit_id", &err, 64);
  std::string note = StringField(*body, "note", &err, dispatch::kMaxNoteBytes).value_or("");
  if (!err.ok()) return respond(err);
  auto unit = ctx.units->Get(unit_id);
  if (!unit || !Covers(ctx, p, ControlRoomRoles(), unit->home_area))
    return respond(NotFound("no unit '" + unit_id + "'"));
  const std::string incident_id = incident->id;
  ctx.units->Dispatch(
      incident_id, unit_id, std::move(note), p.user_id,
      [&ctx, p, respond, incident_id](Result<dispatch::Unit> r) {
        if (!r.ok()) return respond(r.status());
        auto n = ctx.incidents->Get(incident_id);
        if (!n.ok()) return respond(n.status());
        if (!*n) return respond(Internal("incident vanished"));
        json::object unit{{"id", r->id}, {"callsign", r->callsign}, {"status", r->status}};
        ReplyIncident(ctx, p, 200, **n, respond,
                      [&unit](json::object& o) { o["dispatched_unit"] = std::move(unit); });
      });
}

}  // namespace

void AddIncidentRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) {
    return ctx.incidents != nullptr && ctx.reports != nullptr && ctx.categories != nullptr;
  });
  const Access staff = Roles(ControlRoomRoles(), Somewhere());
  t.Add("POST", "/api/v1/incidents", staff, CreateFromCall);
  // ?assigned=mine: any signed-in account (a responder's assignments); otherwise staff.
  t.Add("GET", "/api/v1/incidents", AnyUser(), ListIncidents);
  t.Add("GET", "/api/v1/incidents/{id}", staff, GetIncident);
  t.Add("POST", "/api/v1/incidents/{id}/transitions", staff, PostTransition);
  t.Add("POST", "/api/v1/incidents/{id}/steps", staff, PostStep);
  t.Add("POST", "/api/v1/incidents/{id}/merge", staff, PostMerge);
  t.Add("GET", "/api/v1/incidents/{id}/duplicates", staff, GetDuplicates);
  t.Add("GET", "/api/v1/incidents/{id}/recommendations", staff, GetRecommendations);
  t.Add("POST", "/api/v1/incidents/{id}/dispatch", staff, PostDispatch);
  t.Add("POST", "/api/v1/reports/{id}/escalate", staff, Escalate);
}

}  // namespace centinela::api
