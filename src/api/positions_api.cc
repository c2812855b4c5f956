// Positions: POST /api/v1/positions (a device's JSON batch, up to 1,000 fixes, key in
// X-Device-Key), device registration, the trail of a unit as a GeoJSON LineString, the k
// nearest (available) units to a point (GET /api/v1/units/nearest), and the OsmAnd
// protocol (Traccar Client) served by its own listener (OsmAndRoutes).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "api/context.h"
#include "api/dispatch_json.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "dispatch/units.h"
#include "http/server_internal.h"
#include "tracking/osmand.h"
#include "tracking/positions.h"

namespace centinela::api {

namespace {

std::optional<double> OptNumber(const json::object& o, std::string_view name, Status* err) {
  return NumberField(o, name, err);
}

// "time": ISO-8601 text or integer milliseconds.
std::optional<int64_t> FixTime(const json::object& o, Status* err) {
  const json::value* t = o.if_contains("time");
  if (!t || t->is_null()) return std::nullopt;
  if (t->is_int64()) return t->get_int64();
  if (t->is_string()) {
    if (auto ms = tracking::ParseOsmAndTime(t->get_string())) return ms;
  }
  *err = Unprocessable("'time' must be ISO-8601 text or integer milliseconds");
  return std::nullopt;
}

// The route's guard has resolved the X-Device-Key to its unit (caller.device_id).
void PostPositions(ApiContext& ctx, http::Request& req, const Caller& device, Respond respond) {
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  const json::value* list = body->if_contains("fixes");
  if (!list || !list->is_array())
    return respond(Unprocessable("field 'fixes' must be a list"));
  if (list->as_array().size() > tracking::kMaxFixesPerBatch)
    return respond(Unprocessable("at most 1000 fixes per batch"));
  std::vector<tracking::Fix> fixes;
  fixes.reserve(list->as_array().size());
  const int64_t now = ctx.positions->NowMs();
  for (const json::value& v : list->as_array()) {
    if (!v.is_object()) return respond(Unprocessable("each fix is an object"));
    const json::object& o = v.as_object();
    Status err;
    tracking::Fix f;
    f.unit_id = device.device_id;
    auto lat = OptNumber(o, "lat", &err);
    auto lon = OptNumber(o, "lon", &err);
    f.speed_mps = OptNumber(o, "speed", &err);
    f.heading = OptNumber(o, "heading", &err);
    f.accuracy_m = OptNumber(o, "accuracy", &err);
    f.time_ms = FixTime(o, &err).value_or(now);
    if (!err.ok()) return respond(err);
    if (!lat || !lon)
      return respond(Unprocessable("each fix needs 'lat' and 'lon'"));
    f.lat = *lat;
    f.lon = *lon;
    fixes.push_back(std::move(f));
  }
  const size_t accepted = fixes.size();
  ctx.positions->Ingest(std::move(fixes), [respond, accepted](Result<int> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(200, json::object{{"accepted", accepted}, {"stored", *r}}));
  });
}

// The unit {id} when the caller's control-room grant (the route has checked the role)
// covers its home area; 404 otherwise, as for an unknown unit (the route's AreaRule would
// answer 403 there).
Result<dispatch::Unit> CoveredUnit(ApiContext& ctx, const http::Request& req, const Caller& p) {
  const std::string id = req.Param("id");
  auto unit = ctx.units->Get(id);
  if (!unit || !Covers(ctx, p, ControlRoomRoles(), unit->home_area))
    return NotFound("no unit '" + id + "'");
  return std::move(*unit);
}

void PostDevice(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = CoveredUnit(ctx, req, p);
  if (!unit.ok()) return respond(unit.status());
  const std::string id = unit->id;
  std::string external, label;
  if (!req.body.empty()) {
    auto body = ParseBody(req);
    if (!body.ok()) return respond(body.status());
    Status err;
    external = StringField(*body, "external_id", &err, 64).value_or("");
    label = StringField(*body, "label", &err, 100).value_or("");
    if (!err.ok()) return respond(err);
  }
  ctx.positions->AddDevice(
      id, external, label, p.user_id, [respond, id, external](Result<tracking::NewDevice> r) {
        if (!r.ok()) return respond(r.status());
        json::object o{{"id", r->id}, {"unit_id", id}, {"key", r->key}};
        o["external_id"] = external.empty() ? json::value(nullptr) : json::value(external);
        respond(JsonResponse(201, o));
      });
}

// A trail bound: epoch milliseconds or ISO-8601 (what the OsmAnd listener takes).
Result<int64_t> TimeParam(const http::Request& req, const char* name, int64_t fallback) {
  auto v = QueryText(req, name);
  if (!v) return fallback;
  if (auto ms = ParseInt(*v, name); ms.ok()) return *ms;
  if (auto t = tracking::ParseOsmAndTime(*v)) return *t;
  return InvalidArgument(std::string("'") + name + "' is ISO-8601 or milliseconds");
}

void GetTrail(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto unit = CoveredUnit(ctx, req, p);
  if (!unit.ok()) return respond(unit.status());
  const std::string id = unit->id;
  const int64_t now = ctx.positions->NowMs();
  auto to = TimeParam(req, "to", now);
  if (!to.ok()) return respond(to.status());
  auto from = TimeParam(req, "from", *to - 3600'000);
  if (!from.ok()) return respond(from.status());
  if (*from > *to) return respond(InvalidArgument("'from' is after 'to'"));
  auto trail = ctx.positions->Trail(id, *from, *to);
  if (!trail.ok()) return respond(trail.status());
  // Written by hand: coordinates in plain decimal, [lon, lat] as GeoJSON wants.
  std::string coords, times;
  for (const tracking::Fix& f : *trail) {
    if (!coords.empty()) {
      coords += ',';
      times += ',';
    }
    coords += fmt::format("[{},{}]", f.lon, f.lat);
    times += http::JsonQuote(FormatIsoTime(f.time_ms));
  }
  std::string body = fmt::format(
      R"({{"type":"Feature","geometry":{{"type":"LineString","coordinates":[{}]}},)"
      R"("properties":{{"unit_id":{},"callsign":{},"from":{},"to":{},"points":{},"times":[{}]}}}})",
      coords, http::JsonQuote(id), http::JsonQuote(unit->callsign),
      http::JsonQuote(FormatIsoTime(*from)), http::JsonQuote(FormatIsoTime(*to)), trail->size(),
      times);
  http::Response r = http::Response::Json(200, std::move(body));
  r.content_type = "application/geo+json";
  respond(std::move(r));
}

// GET /api/v1/units/nearest?lat&lon[&k=5][&available=true][&agency=police]: the k units
// with a known position nearest to the point by great-circle distance, nearest first,
// among the units whose home area the caller's control-room grant covers. available=true
// (the default) keeps units in status "available"; false takes any status.
Result<double> CoordParam(const http::Request& req, const char* name, double limit) {
  auto x = QueryNumber(req, name);
  if (!x.ok() || !*x || std::fabs(**x) > limit)
    return InvalidArgument(fmt::format("'{}' must be a number in [-{}, {}]", name, limit, limit));
  return **x;
}

void GetNearestUnits(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto lat = CoordParam(req, "lat", 90);
  if (!lat.ok()) return respond(lat.status());
  auto lon = CoordParam(req, "lon", 180);
  if (!lon.ok()) return respond(lon.status());
  auto k_param = QueryInt(req, "k", 1, dispatch::kMaxRecommendations);
  if (!k_param.ok()) return respond(k_param.status());
  const int k = static_cast<int>(k_param->value_or(5));
  auto available = QueryBool(req, "available", true);
  if (!available.ok()) return respond(available.status());
  const bool available_only = *available;
  const std::string agency = req.Query("agency");
  const tracking::PositionIndex& index = ctx.units->positions();
  const int64_t now = ctx.positions->NowMs();
  // Ask the index for more units than wanted and filter; widen when the filter left too
  // few and the index had more to give.
  RawJson raw;
  json::array out;
  const size_t want = static_cast<size_t>(k);
  for (size_t ask = std::max<size_t>(4 * want, 32);; ask *= 4) {
    out.clear();
    auto near = index.Nearest(*lat, *lon, ask);
    for (const auto& [fix, metres] : near) {
      auto u = ctx.units->Get(fix.unit_id);
      if (!u || (available_only && u->status != "available") ||
          (!agency.empty() && u->agency != agency) ||
          !Covers(ctx, p, ControlRoomRoles(), u->home_area))
        continue;
      out.push_back(json::object{{"unit_id", u->id},
                                 {"callsign", u->callsign},
                                 {"agency", u->agency},
                                 {"kind", u->kind},
                                 {"status", u->status},
                                 {"distance_m", PlainNumber(raw, std::round(metres * 10) / 10)},
                                 {"position", json::object{{"lat", PlainNumber(raw, fix.lat)},
                                                           {"lon", PlainNumber(raw, fix.lon)},
                                                           {"at", FormatIsoTime(fix.time_ms)}}},
                                 {"stale", now - fix.received_ms > ctx.units->stale_after_ms()}});
      if (out.size() == want) break;
    }
    if (out.size() == want || near.size() < ask) break;
  }
  respond(JsonResponse(200,
                     json::object{{"lat", PlainNumber(raw, *lat)},
                                  {"lon", PlainNumber(raw, *lon)},
                                  {"available", available_only},
                                  {"units", std::move(out)}},
                     &raw));
}

// ---- OsmAnd -------------------------------------------------------------------------------

// The message names its device (the route's guard checks nothing): an unknown one is
// answered as Traccar answers.
void OsmAnd(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  const bool json_form =
      req.method == "POST" && req.Header("content-type").find("json") != std::string_view::npos;
  Result<tracking::OsmAndMessage> m = tracking::OsmAndMessage{};
  if (json_form) {
    m = tracking::ParseOsmAndJson(req.body);
  } else if (req.method == "POST" && req.query.empty() && !req.body.empty()) {
    http::Request form;  // the form body decodes like a query string
    Status s = http::internal::ParseTarget("/?" + req.body, &form);
    if (!s.ok()) return respond(InvalidArgument("malformed form body"));
    m = tracking::ParseOsmAndQuery(form.query);
  } else {
    m = tracking::ParseOsmAndQuery(req.query);
  }
  if (!m.ok()) return respond(m.status());
  auto unit = ctx.positions->UnitForExternalId(m->device_id);
  if (!unit) {
    // As Traccar answers: 400 for the query form, 404 for the JSON form.
    Status s = json_form ? NotFound("unknown device") : InvalidArgument("unknown device");
    return respond(s);
  }
  if (!m->lat || !m->lon)  // heartbeat or network-only fix: nothing to store
    return respond(http::Response::Text(200, ""));
  tracking::Fix f;
  f.unit_id = *unit;
  f.lat = *m->lat;
  f.lon = *m->lon;
  f.time_ms = m->time_ms.value_or(ctx.positions->NowMs());
  f.speed_mps = m->speed_mps;
  f.heading = m->heading;
  f.accuracy_m = m->accuracy_m;
  ctx.positions->Ingest({f}, [respond](Result<int> r) {
    if (!r.ok()) {
      Status s = r.status();
      // Out-of-range values are bad input on this protocol.
      if (s.code() == Code::kUnprocessable) s = InvalidArgument(s.message());
      return respond(s);
    }
    respond(http::Response::Text(200, ""));
  });
}

}  // namespace

void AddPositionRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.positions != nullptr && ctx.units != nullptr; });
  t.Add("POST", "/api/v1/positions", Device(DeviceKind::kUnitTracker), PostPositions);
  const Access staff = Roles(ControlRoomRoles(), Somewhere());
  t.Add("POST", "/api/v1/units/{id}/devices", staff, PostDevice);
  t.Add("GET", "/api/v1/units/nearest", staff, GetNearestUnits);
  t.Add("GET", "/api/v1/units/{id}/trail", staff, GetTrail);
}

const std::vector<RouteSpec>& OsmAndRoutes() {
  static const RouteTable kTable = [] {
    RouteTable t;
    t.When([](const ApiContext& ctx) { return ctx.positions != nullptr; });
    for (const char* method : {"GET", "POST"})
      t.Add(method, "/", Device(DeviceKind::kOsmAndTracker), OsmAnd);
    return t;
  }();
  return kTable.specs();
}

}  // namespace centinela::api
