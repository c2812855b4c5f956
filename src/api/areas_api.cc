// /api/v1/areas: the polygons everything is scoped by. Any signed-in user may read them
// (boundaries are public); admins edit the areas their grant covers.
#include <cmath>

#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"

namespace centinela::api {

namespace {

const std::vector<auth::Role> kAdmin = {auth::Role::kAdmin};

// Reads the writable fields shared by create and update into a patch.
Result<areas::AreaPatch> ParsePatch(const json::object& o) {
  Status err;
  areas::AreaPatch p;
  p.name = StringField(o, "name", &err, 200);
  if (auto kind = StringField(o, "kind", &err, 32)) {
    p.kind = areas::ParseKind(*kind);
    if (!p.kind) return Unprocessable("unknown kind '" + *kind + "' (region, precinct, sector, neighbourhood)");
  }
  if (const json::value* parent = o.if_contains("parent")) {
    if (parent->is_null()) p.parent_code = std::string();
    else if (parent->is_string()) p.parent_code = std::string(parent->get_string());
    else return Unprocessable("field 'parent' must be a string or null");
  }
  p.population = IntField(o, "population", &err);
  p.agencies = StringListField(o, "agencies", &err);
  if (!err.ok()) return err;
  if (const json::value* g = o.if_contains("geometry")) {
    if (!g->is_object()) return Unprocessable("field 'geometry' must be a GeoJSON Polygon or MultiPolygon object");
    p.geometry = json::serialize(*g);
  }
  if (!err.ok()) return err;
  return p;
}

void List(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  std::optional<areas::Kind> kind;
  if (auto k = QueryText(req, "kind")) {
    kind = areas::ParseKind(*k);
    if (!kind) return respond(InvalidArgument("unknown kind '" + *k + "'"));
  }
  // Presence counts here: `parent=` (empty) asks for the areas without a parent.
  std::optional<std::string> parent;
  if (req.query.count("parent")) parent = req.Query("parent");
  auto format = QueryChoice(req, "format", {"json", "geojson"}, "json");
  if (!format.ok()) return respond(format.status());
  auto with_geometry = QueryBool(req, "geometry", false);
  if (!with_geometry.ok()) return respond(with_geometry.status());
  std::vector<areas::Area> list = ctx.areas.List(kind, parent);
  if (*format == "geojson") {
    RawJson raw;
    json::array features;
    for (const areas::Area& a : list) features.push_back(AreaFeature(a, raw));
    json::object fc{{"type", "FeatureCollection"}, {"features", std::move(features)}};
    http::Response r = JsonResponse(200, fc, &raw);
    r.content_type = "application/geo+json";
    return respond(std::move(r));
  }
  RawJson raw;
  json::array out;
  for (const areas::Area& a : list) out.push_back(AreaJson(a, *with_geometry ? &raw : nullptr));
  respond(JsonResponse(200, json::object{{"areas", std::move(out)}}, &raw));
}

// A required coordinate: 400 when absent or not a number, 422 beyond +-limit.
Result<double> ParseCoordinate(const http::Request& req, const std::string& name, double limit) {
  auto text = QueryRequired(req, name);
  if (!text.ok()) return text.status();
  auto v = ParseNumber(*text, name);
  if (!v.ok()) return v.status();
  if (std::fabs(*v) > limit)
    return Unprocessable("'" + name + "' is out of range [-" + std::to_string(static_cast<int>(limit)) + ", " +
                         std::to_string(static_cast<int>(limit)) + "]");
  return *v;
}

void At(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<double> lat = ParseCoordinate(req, "lat", 90);
  if (!lat.ok()) return respond(lat.status());
  Result<double> lon = ParseCoordinate(req, "lon", 180);
  if (!lon.ok()) return respond(lon.status());
  json::array out;
  for (const areas::Area& a : ctx.areas.At(*lat, *lon)) out.push_back(AreaJson(a));
  respond(JsonResponse(200, json::object{{"areas", std::move(out)}}));
}

void Get(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto a = ctx.areas.Get(req.Param("code"));
  if (!a) return respond(NotFound("no area with code '" + req.Param("code") + "'"));
  auto format = QueryChoice(req, "format", {"json", "geojson"}, "json");
  if (!format.ok()) return respond(format.status());
  RawJson raw;
  if (*format == "geojson") {
    http::Response r = JsonResponse(200, AreaFeature(*a, raw), &raw);
    r.content_type = "application/geo+json";
    return respond(std::move(r));
  }
  respond(JsonResponse(200, AreaJson(*a, &raw), &raw));
}

// The area a PATCH or DELETE addresses: 404 when there is none, else the admin grant must
// cover it.
Result<std::vector<std::string>> TheArea(ApiContext& ctx, const http::Request& req) {
  const std::string code = req.Param("code");
  if (!ctx.areas.Get(code)) return NotFound("no area with code '" + code + "'");
  return std::vector<std::string>{code};
}

// An admin may create or move an area under `parent` only when its grant covers the
// parent; a root area needs the all-areas grant.
bool MayPlaceUnder(ApiContext& ctx, const auth::Principal& p, const std::string& parent) {
  if (parent.empty()) return auth::Authorize(p, kAdmin, {std::string(auth::kAllAreas)});
  return Covers(ctx, p, kAdmin, parent);
}

void Create(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string code = RequiredString(*body, "code", &err, 64);
  if (!err.ok()) return respond(err);
  Result<areas::AreaPatch> patch = ParsePatch(*body);
  if (!patch.ok()) return respond(patch.status());
  if (!patch->name) return respond(Unprocessable("field 'name' is required"));
  if (!patch->kind) return respond(Unprocessable("field 'kind' is required"));
  if (!patch->geometry) return respond(Unprocessable("field 'geometry' is required"));
  areas::Area a;
  a.code = code;
  a.name = *patch->name;
  a.kind = *patch->kind;
  a.parent_code = patch->parent_code.value_or("");
  a.population = patch->population.value_or(0);
  a.agencies = patch->agencies.value_or(std::vector<std::string>{});
  a.geometry = *patch->geometry;
  if (!MayPlaceUnder(ctx, p, a.parent_code)) {
    return respond(PermissionDenied(
        a.parent_code.empty() ? "only an all-areas admin may create a root area"
                              : "area '" + a.parent_code + "' is outside your admin grant"));
  }
  ctx.areas.Create(std::move(a), p.user_id, [respond](Result<areas::Area> r) {
    if (!r.ok()) return respond(r.status());
    RawJson raw;
    respond(JsonResponse(201, AreaJson(*r, &raw), &raw));
  });
}

void Update(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string code = req.Param("code");  // found and covered (TheArea)
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Result<areas::AreaPatch> patch = ParsePatch(*body);
  if (!patch.ok()) return respond(patch.status());
  if (patch->parent_code && !MayPlaceUnder(ctx, p, *patch->parent_code))
    return respond(PermissionDenied("the new parent is outside your admin grant"));
  ctx.areas.Update(code, std::move(*patch), p.user_id, [respond](Result<areas::Area> r) {
    if (!r.ok()) return respond(r.status());
    RawJson raw;
    respond(JsonResponse(200, AreaJson(*r, &raw), &raw));
  });
}

void Delete(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string code = req.Param("code");  // found and covered (TheArea)
  ctx.areas.Remove(code, p.user_id, [respond](Status s) {
    if (!s.ok()) return respond(s);
    respond(http::Response::Json(204, ""));
  });
}

}  // namespace

void AddAreaRoutes(RouteTable& t) {
  t.Add("GET", "/api/v1/areas", AnyUser(), List);
  // Where the new area goes (its parent) is in the body: checked by the handler.
  t.Add("POST", "/api/v1/areas", Roles(kAdmin), Create);
  t.Add("GET", "/api/v1/areas/at", AnyUser(), At);
  t.Add("GET", "/api/v1/areas/{code}", AnyUser(), Get);
  t.Add("PATCH", "/api/v1/areas/{code}", Roles(kAdmin, ResolvedArea(TheArea)), Update);
  t.Add("DELETE", "/api/v1/areas/{code}", Roles(kAdmin, ResolvedArea(TheArea)), Delete);
}

}  // namespace centinela::api
