// /api/v1/analytics/...: the figures of the precinct meeting. Staff covering the area
// (operators, responders, analysts, admins) may read them; the computation is in
// analytics/ (pure) and analytics/adoption_source (what feeds it from the store).
#include "analytics/adoption_format.h"
#include "analytics/adoption_source.h"
#include "analytics/period.h"
#include "api/context.h"

namespace centinela::api {

namespace {

const std::vector<auth::Role> kReaders = {auth::Role::kOperator, auth::Role::kResponder,
                                          auth::Role::kAnalyst, auth::Role::kAdmin};

void Adoption(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = RequireRole(ctx, req, reply, kReaders);
  if (!p) return;
  analytics::AdoptionQuery q;
  q.area = req.Query("area");
  if (q.area.empty()) return reply(http::Response::Error(InvalidArgument("'area' is required")));
  std::optional<int64_t> to;
  if (std::string f = req.Query("from"); !f.empty()) {
    auto v = analytics::ParseTimeBound(f, "from");
    if (!v.ok()) return reply(http::Response::Error(v.status()));
    q.from_ms = *v;
  }
  if (std::string t = req.Query("to"); !t.empty()) {
    auto v = analytics::ParseTimeBound(t, "to");
    if (!v.ok()) return reply(http::Response::Error(v.status()));
    q.to_ms = *v;
    to = *v;
  }
  if (!ctx.areas.Get(q.area))
    return reply(http::Response::Error(NotFound("no area '" + q.area + "'")));
  if (!Covers(ctx, *p, kReaders, q.area))
    return reply(http::Response::Error(
        PermissionDenied("your grants do not cover area '" + q.area + "'")));
  auto rows = analytics::LoadAdoptionTable(ctx.store, ctx.areas, *ctx.memberships, q);
  if (!rows.ok()) return reply(http::Response::Error(rows.status()));
  reply(http::Response::Json(200, analytics::AdoptionJson(*rows, q.area, q.from_ms, to)));
}

}  // namespace

void AddAnalyticsRoutes(http::Router& r, ApiContext& ctx) {
  if (!ctx.memberships) return;  // registered addresses come from the memberships
  r.Add("GET", "/api/v1/analytics/adoption",
        [&ctx](http::Request& q, http::Reply y) { Adoption(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
