#include "api/stream_api.h"

#include "api/json.h"
#include "api/route.h"
#include "common/hash.h"
#include "community/json_list.h"
#include "community/report_rows.h"
#include "community/reports.h"

namespace centinela::api {

Result<realtime::SubscriberInfo> SubscriberFor(ApiContext& ctx, const auth::Principal& p) {
  if (ctx.reports == nullptr) return Internal("stream: no report service");
  Result<community::Viewer> viewer = ctx.reports->ViewerFor(p);
  if (!viewer.ok()) return viewer.status();
  realtime::SubscriberInfo s;
  s.viewer = std::move(*viewer);
  Result<std::vector<std::string>> family = ctx.reports->FamilyOf(p.user_id);
  if (!family.ok()) return family.status();
  s.family_of = std::move(*family);
  return s;
}

Result<realtime::SubscriberInfo> SubscriberForUser(ApiContext& ctx, const std::string& user_id) {
  Result<auth::UserView> u = ctx.accounts.GetUser(user_id);
  if (!u.ok()) return u.status();
  auth::Principal p;
  p.user_id = u->id;
  p.grants = u->grants;
  return SubscriberFor(ctx, p);
}

std::optional<realtime::ReportInfo> ReportInfoFor(ApiContext& ctx, const std::string& report_id) {
  auto row = community::LoadReportRow(ctx.store, report_id);
  if (!row.ok() || !*row) return std::nullopt;
  realtime::ReportInfo info;
  info.facts = community::FactsOf(**row);
  info.lat = (*row)->lat;
  info.lon = (*row)->lon;
  return info;
}

realtime::Authenticator StreamAuthenticator(ApiContext& ctx) {
  return [&ctx](const http::Request& req,
                const std::string& protocol_token) -> Result<realtime::SubscriberInfo> {
    std::string token = BearerToken(req);
    if (token.empty()) token = protocol_token;
    if (token.empty())
      return Unauthenticated(
          "missing bearer token (Authorization: Bearer <token>, or the Sec-WebSocket-Protocol "
          "value after centinela.v1)");
    Result<auth::Principal> p = ctx.accounts.Authenticate(token);
    if (!p.ok()) return p.status();
    Result<realtime::SubscriberInfo> info = SubscriberFor(ctx, *p);
    if (info.ok()) info->session_key = ToHex(Sha256Raw(token)).substr(0, 16);
    return info;
  };
}

namespace {

// POST /api/v1/stream/near: the near-me circle of one's own open session, for SSE clients
// (WebSocket clients send a "near" message instead): {"session":"s12","lat":..,"lon":..,
// "radius_m":..} or {"session":"s12","clear":true}.
void SetNear(ApiContext& ctx, http::Request& req, const Caller& caller, Respond respond) {
  auto body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  const json::value* session = body->if_contains("session");
  if (!session || !session->is_string())
    return respond(InvalidArgument("'session' (the session of the stream's hello) is required"));
  std::optional<realtime::Circle> circle;
  const json::value* clear = body->if_contains("clear");
  if (!(clear && clear->is_bool() && clear->get_bool())) {
    Status err;
    auto lat = NumberField(*body, "lat", &err);
    auto lon = NumberField(*body, "lon", &err);
    auto radius = NumberField(*body, "radius_m", &err);
    if (!err.ok()) return respond(err);
    if (!lat || !lon || !radius)
      return respond(InvalidArgument("give 'lat', 'lon' and 'radius_m', or \"clear\": true"));
    circle = realtime::Circle{*lat, *lon, *radius};
  }
  Status s = ctx.stream->hub().SetNearByName(caller.user_id, std::string(session->get_string()), circle);
  if (!s.ok()) return respond(s);
  respond(http::Response::Json(200, circle ? R"({"ok":true})" : R"({"ok":true,"cleared":true})"));
}

// The upgrade routes' handler runs only while the server is stopping (the upgrader takes
// the connection otherwise, and authenticates with StreamAuthenticator: a bearer token, or
// the Sec-WebSocket-Protocol token, as AnyUser declares).
void ShuttingDown(ApiContext&, http::Request&, const Caller&, Respond respond) {
  respond(Unavailable("the server is shutting down"));
}

}  // namespace

void AddStreamRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.stream != nullptr; });
  RouteSpec& ws = t.Add("GET", "/api/v1/stream", AnyUser(), ShuttingDown);
  ws.upgrade = "websocket";
  ws.options = [](ApiContext& ctx) {
    http::RouteOptions o;
    o.upgrader = ctx.stream->websocket();
    return o;
  };
  RouteSpec& sse = t.Add("GET", "/api/v1/stream/sse", AnyUser(), ShuttingDown);
  sse.upgrade = "sse";
  sse.options = [](ApiContext& ctx) {
    http::RouteOptions o;
    o.upgrader = ctx.stream->sse();
    return o;
  };
  t.Add("POST", "/api/v1/stream/near", AnyUser(), SetNear);
}

}  // namespace centinela::api
