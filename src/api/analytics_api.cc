// /api/v1/analytics/...: the figures of the precinct meeting. Staff covering the area
// (operators, responders, analysts, admins) may read them; the computation is in
// analytics/ (pure) and analytics/adoption_source (what feeds it from the store).
#include "analytics/adoption_format.h"
#include "analytics/adoption_source.h"
#include "analytics/dark_figure_source.h"
#include "analytics/period.h"
#include "api/context.h"
#include "api/json.h"

#include <cmath>
#include <cstdio>

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

// A number in plain decimal with `digits` decimals (Boost.JSON 1.81 would write 0.5 as 5E-1).
json::value Fixed(RawJson& raw, double v, int digits) {
  if (!std::isfinite(v)) return nullptr;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return raw.Add(buf);
}

Result<double> NumberParam(const http::Request& req, const std::string& name, double fallback) {
  const std::string text = req.Query(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v))
    return InvalidArgument("'" + name + "' must be a number");
  return v;
}

void DarkFigure(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = RequireRole(ctx, req, reply, kReaders);
  if (!p) return;
  analytics::DarkFigureQuery q;
  q.area = req.Query("area");
  if (q.area.empty()) return reply(http::Response::Error(InvalidArgument("'area' is required")));
  const std::string from = req.Query("from"), to = req.Query("to");
  if (from.empty() || to.empty())
    return reply(http::Response::Error(InvalidArgument("'from' and 'to' are required")));
  auto f = analytics::ParseTimeBound(from, "from");
  if (!f.ok()) return reply(http::Response::Error(f.status()));
  auto t = analytics::ParseTimeBound(to, "to");
  if (!t.ok()) return reply(http::Response::Error(t.status()));
  q.from_ms = *f;
  q.to_ms = *t;
  auto d = NumberParam(req, "distance_m", q.match.distance_m);
  auto h = NumberParam(req, "hours", q.match.hours);
  auto ref = NumberParam(req, "reference", q.reference);
  auto tgt = NumberParam(req, "target", q.target);
  for (const auto* r : {&d, &h, &ref, &tgt})
    if (!r->ok()) return reply(http::Response::Error(r->status()));
  q.match.distance_m = *d;
  q.match.hours = *h;
  q.reference = *ref;
  q.target = *tgt;
  if (!ctx.areas.Get(q.area))
    return reply(http::Response::Error(NotFound("no area '" + q.area + "'")));
  if (!Covers(ctx, *p, kReaders, q.area))
    return reply(http::Response::Error(
        PermissionDenied("your grants do not cover area '" + q.area + "'")));
  auto rows = analytics::LoadDarkFigure(ctx.store, ctx.areas, q);
  if (!rows.ok()) return reply(http::Response::Error(rows.status()));
  RawJson raw;
  json::array out;
  for (const analytics::DarkFigureRow& r : *rows) {
    const analytics::DarkFigurePoint& x = r.point;
    out.push_back(json::object{
        {"month", r.month},
        {"family", r.family},
        {"informal", x.informal},
        {"formal", x.formal},
        {"matched", x.matched},
        {"unmatched_share", Fixed(raw, x.unmatched_share, 4)},
        {"estimated_total", Fixed(raw, x.total.estimate, 1)},
        {"estimated_total_ci95", json::array{Fixed(raw, x.total.ci_low, 1), Fixed(raw, x.total.ci_high, 1)}},
        {"dark_figure", Fixed(raw, x.dark_figure, 4)},
        {"progress", Fixed(raw, x.progress, 4)},
        {"target_met", x.target_met}});
  }
  reply(JsonResponse(200,
                     json::object{{"area", q.area},
                                  {"from_ms", q.from_ms},
                                  {"to_ms", q.to_ms},
                                  {"distance_m", Fixed(raw, q.match.distance_m, 1)},
                                  {"hours", Fixed(raw, q.match.hours, 1)},
                                  {"reference", Fixed(raw, q.reference, 4)},
                                  {"target", Fixed(raw, q.target, 4)},
                                  {"rows", std::move(out)}},
                     &raw));
}

}  // namespace

void AddAnalyticsRoutes(http::Router& r, ApiContext& ctx) {
  if (!ctx.memberships) return;  // registered addresses come from the memberships
  r.Add("GET", "/api/v1/analytics/adoption",
        [&ctx](http::Request& q, http::Reply y) { Adoption(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/analytics/dark-figure",
        [&ctx](http::Request& q, http::Reply y) { DarkFigure(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
