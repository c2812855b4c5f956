// /api/v1/broadcasts: operators and admins send a CAP-described message to areas their
// grant covers (or to a drawn polygon inside them); any signed-in user lists them; the CAP
// 1.2 document of each (/api/v1/broadcasts/{id}.cap) and the Atom feed of CAP alerts
// (/api/v1/broadcasts.atom) are public, as warnings are meant to be relayed.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "api/context.h"
#include "api/dispatch_json.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "dispatch/broadcasts.h"
#include "tracking/osmand.h"

namespace centinela::api {

namespace {

using dispatch::Broadcast;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void FillNames(ApiContext& ctx, Broadcast& b) {
  b.area_names.clear();
  for (const std::string& code : b.areas) {
    auto a = ctx.areas.Get(code);
    b.area_names.push_back(a ? a->name : code);
  }
}

json::value OrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object BroadcastJson(const Broadcast& b, RawJson& raw) {
  json::object o{{"id", b.id},
                 {"headline", b.headline},
                 {"body", b.body},
                 {"instruction", b.instruction.empty() ? json::value(nullptr)
                                                       : json::value(b.instruction)},
                 {"headline_en", OrNull(b.headline_en)},
                 {"body_en", OrNull(b.body_en)},
                 {"instruction_en", OrNull(b.instruction_en)},
                 {"severity", b.severity},
                 {"urgency", b.urgency},
                 {"certainty", b.certainty},
                 {"category", b.category},
                 {"areas", Strings(b.areas)},
                 {"expires_at", FormatIsoTime(b.expires_ms)},
                 {"created_at", FormatIsoTime(b.created_ms)},
                 {"cap_url", "/api/v1/broadcasts/" + b.id + ".cap"}};
  if (b.polygon.empty()) {
    o["polygon"] = nullptr;
  } else {
    std::string ring;
    for (const auto& [lat, lon] : b.polygon)
      ring += fmt::format("{}[{},{}]", ring.empty() ? "" : ",", lon, lat);
    o["polygon"] = raw.Add("{\"type\":\"Polygon\",\"coordinates\":[[" + ring + "]]}");
  }
  return o;
}

// {"type":"Polygon","coordinates":[[[lon,lat],...]]}: the outer ring as (lat, lon).
Result<std::vector<std::pair<double, double>>> ReadPolygon(const json::value& v) {
  auto bad = [] { return Unprocessable("'polygon' must be a GeoJSON Polygon"); };
  if (!v.is_object()) return bad();
  const json::value* type = v.as_object().if_contains("type");
  const json::value* coords = v.as_object().if_contains("coordinates");
  if (!type || !type->is_string() || type->get_string() != "Polygon" || !coords ||
      !coords->is_array() || coords->as_array().empty() || !coords->as_array()[0].is_array())
    return bad();
  std::vector<std::pair<double, double>> ring;
  for (const json::value& p : coords->as_array()[0].as_array()) {
    if (!p.is_array() || p.as_array().size() < 2 || !p.as_array()[0].is_number() ||
        !p.as_array()[1].is_number())
      return bad();
    ring.emplace_back(p.as_array()[1].to_number<double>(), p.as_array()[0].to_number<double>());
    if (ring.size() > dispatch::kMaxPolygonPoints)
      return Unprocessable("a polygon has 4 to 1000 points");
  }
  return ring;
}

void SendBroadcast(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  Broadcast b;
  b.sender_id = p.user_id;
  b.headline = RequiredString(*body, "headline", &err, dispatch::kMaxHeadlineBytes);
  b.body = RequiredString(*body, "body", &err, dispatch::kMaxBroadcastBodyBytes);
  b.instruction =
      StringField(*body, "instruction", &err, dispatch::kMaxBroadcastBodyBytes).value_or("");
  b.headline_en = StringField(*body, "headline_en", &err, dispatch::kMaxHeadlineBytes).value_or("");
  b.body_en = StringField(*body, "body_en", &err, dispatch::kMaxBroadcastBodyBytes).value_or("");
  b.instruction_en =
      StringField(*body, "instruction_en", &err, dispatch::kMaxBroadcastBodyBytes).value_or("");
  b.severity = RequiredString(*body, "severity", &err, 32);
  b.urgency = RequiredString(*body, "urgency", &err, 32);
  b.certainty = RequiredString(*body, "certainty", &err, 32);
  b.category = StringField(*body, "category", &err, 32).value_or("Safety");
  std::string expires = RequiredString(*body, "expires", &err, 40);
  if (!err.ok()) return respond(err);
  auto expires_ms = tracking::ParseOsmAndTime(expires);
  if (!expires_ms)
    return respond(Unprocessable("'expires' must be ISO-8601 UTC time"));
  b.expires_ms = *expires_ms;
  if (const json::value* areas = body->if_contains("areas"); areas && !areas->is_null()) {
    if (!areas->is_array() || areas->as_array().size() > 50)
      return respond(Unprocessable("'areas' lists up to 50 area codes"));
    for (const json::value& a : areas->as_array()) {
      if (!a.is_string()) return respond(Unprocessable("'areas' lists codes"));
      b.areas.emplace_back(a.get_string());
    }
  }
  if (const json::value* poly = body->if_contains("polygon"); poly && !poly->is_null()) {
    auto ring = ReadPolygon(*poly);
    if (!ring.ok()) return respond(ring.status());
    b.polygon = std::move(*ring);
  }
  Status v = dispatch::ValidateBroadcast(b, NowMs());
  if (!v.ok()) return respond(v);
  for (const std::string& code : b.areas) {
    if (!ctx.areas.Get(code))
      return respond(Unprocessable("unknown area '" + code + "'"));
    if (!Covers(ctx, p, ControlRoomRoles(), code))
      return respond(PermissionDenied("your grant does not cover area '" + code + "'"));
  }
  // A drawn polygon: every vertex must lie in an area the caller covers.
  for (const auto& [lat, lon] : b.polygon) {
    std::vector<std::string> codes;
    for (const areas::Area& a : ctx.areas.At(lat, lon)) codes.push_back(a.code);
    if (!CoversAny(ctx, p, ControlRoomRoles(), codes))
      return respond(PermissionDenied("the polygon reaches outside the areas your grant covers"));
  }
  ctx.broadcasts->Send(std::move(b), [&ctx, respond](Result<Broadcast> r) {
    if (!r.ok()) return respond(r.status());
    FillNames(ctx, *r);
    RawJson raw;
    http::Response resp = JsonResponse(201, BroadcastJson(*r, raw), &raw);
    resp.headers.emplace_back("Location", "/api/v1/broadcasts/" + r->id);
    respond(std::move(resp));
  });
}

void ListBroadcasts(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  auto active_only = QueryBool(req, "active", true);
  if (!active_only.ok()) return respond(active_only.status());
  auto list = ctx.broadcasts->List(100, *active_only, NowMs());
  if (!list.ok()) return respond(list.status());
  RawJson raw;
  json::array out;
  for (const Broadcast& b : *list) out.push_back(BroadcastJson(b, raw));
  respond(JsonResponse(200, json::object{{"broadcasts", std::move(out)}}, &raw));
}

std::string BaseUrl(const http::Request& req) {
  std::string host(req.Header("host"));
  if (host.empty() || host.find_first_of(" <>\"'&") != std::string::npos) host = "localhost";
  return "http://" + host;
}

void GetBroadcast(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  std::string id = req.Param("id");
  const bool cap = id.size() > 4 && id.ends_with(".cap");
  if (cap) id.resize(id.size() - 4);
  auto b = ctx.broadcasts->Get(id);
  if (!b.ok()) return respond(b.status());
  if (!*b) return respond(NotFound("no broadcast '" + id + "'"));
  FillNames(ctx, **b);
  if (cap) {
    std::string host(req.Header("host"));
    std::string sender = "centinela@" + (host.empty() ? std::string("localhost")
                                                       : host.substr(0, host.find(':')));
    if (sender.find_first_of(" ,<&") != std::string::npos) sender = "centinela@localhost";
    return respond(http::Response::Text(200, dispatch::RenderCap(**b, sender),
                                      "application/cap+xml; charset=utf-8"));
  }
  RawJson raw;
  respond(JsonResponse(200, BroadcastJson(**b, raw), &raw));
}

void Atom(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  const int64_t now = NowMs();
  auto list = ctx.broadcasts->List(100, true, now);
  if (!list.ok()) return respond(list.status());
  const int64_t updated = list->empty() ? now : list->front().created_ms;
  respond(http::Response::Text(200, dispatch::RenderAtom(*list, BaseUrl(req), updated),
                             "application/atom+xml; charset=utf-8"));
}

}  // namespace

void AddBroadcastRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.broadcasts != nullptr; });
  t.Add("POST", "/api/v1/broadcasts", Roles(ControlRoomRoles(), Somewhere()), SendBroadcast);
  t.Add("GET", "/api/v1/broadcasts", AnyUser(), ListBroadcasts);
  // Public: warnings are meant to be relayed.
  t.Add("GET", "/api/v1/broadcasts.atom", Public(), Atom);
  // {id}.cap: the CAP document, public (relayed like the Atom feed); {id}: the JSON, signed in.
  t.Add("GET", "/api/v1/broadcasts/{id}", AnyUser().PublicWhenEndsWith("id", ".cap"), GetBroadcast);
}

}  // namespace centinela::api
