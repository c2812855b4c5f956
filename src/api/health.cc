// Liveness, readiness and metrics. Public on purpose: orchestrators and Prometheus scrape
// them; they reveal no data (see docs/operations.md).
#include "api/context.h"
#include "api/json.h"
#include "api/route.h"

namespace centinela::api {

void AddHealthRoutes(RouteTable& t) {
  t.Add("GET", "/healthz", Public(), [](ApiContext& ctx, http::Request&, const Caller&, Respond respond) {
    respond(JsonResponse(200, json::object{{"status", "ok"}, {"version", ctx.version}}));
  });
  t.Add("GET", "/readyz", Public(), [](ApiContext& ctx, http::Request&, const Caller&, Respond respond) {
    if (!ctx.store.Ping().ok()) return respond(Unavailable("store unreachable"));
    respond(JsonResponse(200, json::object{{"status", "ready"}, {"store", ctx.store.Backend()}}));
  });
  t.Add("GET", "/metrics", Public(), [](ApiContext& ctx, http::Request&, const Caller&, Respond respond) {
    respond(http::Response::Text(200, ctx.metrics.Render(), "text/plain; version=0.0.4"));
  });
}

}  // namespace centinela::api
