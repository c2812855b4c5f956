// Liveness, readiness and metrics. Unauthenticated on purpose: orchestrators and
// Prometheus scrape them; they reveal no data (see docs/operations.md).
#include "api/context.h"
#include "api/json.h"

namespace centinela::api {

void AddHealthRoutes(http::Router& r, ApiContext& ctx) {
  r.Add("GET", "/healthz", [&ctx](http::Request&, http::Reply reply) {
    json::object o{{"status", "ok"}, {"version", ctx.version}};
    reply(JsonResponse(200, o));
  });
  r.Add("GET", "/readyz", [&ctx](http::Request&, http::Reply reply) {
    Status s = ctx.store.Ping();
    if (!s.ok()) {
      reply(http::Response::Error(Code::kUnavailable, "store unreachable"));
      return;
    }
    json::object o{{"status", "ready"}, {"store", ctx.store.Backend()}};
    reply(JsonResponse(200, o));
  });
  r.Add("GET", "/metrics", [&ctx](http::Request&, http::Reply reply) {
    reply(http::Response::Text(200, ctx.metrics.Render(), "text/plain; version=0.0.4"));
  });
}

}  // namespace centinela::api
