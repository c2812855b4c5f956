// /api/v1/analytics/...: the figures of the precinct meeting. Staff covering the area
// (operators, responders, analysts, admins) may read them; the computation is in
// analytics/ (pure) and analytics/adoption_source (what feeds it from the store).
#include "analytics/adoption_format.h"
#include "analytics/adoption_source.h"
#include "analytics/dark_figure_source.h"
#include "analytics/period.h"
#include "analytics/response_source.h"
#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"

#include <cmath>
#include <cstdio>

namespace centinela::api {

namespace {

const std::vector<auth::Role> kReaders = {auth::Role::kOperator, auth::Role::kResponder,
                                          auth::Role::kAnalyst, auth::Role::kAdmin};

// The `area` parameter once the caller may read it: 400 when absent, 404 when unknown, 403
// outside the caller's grants.
Result<std::string> ReadableArea(ApiContext& ctx, const http::Request& req,
                                 const auth::Principal& p) {
  auto required = QueryRequired(req, "area");
  if (!required.ok()) return required.status();
  const std::string& area = *required;
  if (!ctx.areas.Get(area)) return NotFound("no area '" + area + "'");
  if (Status s = CoverArea(ctx, p, kReaders, area); !s.ok()) return s;
  return area;
}

// What every analytics route reads first (the route has checked the caller holds a reader
// role): the area it may read and the [from, to) bounds (optional unless window_required).
// The area is checked here, not by an AreaQuery rule: a missing or unknown area answers
// 400/404 before the grant is looked at.
struct Scope {
  std::string area;
  std::optional<int64_t> from, to;
};
Result<Scope> ReadScope(ApiContext& ctx, const http::Request& req, const Caller& p,
                        bool window_required = false) {
  Status err;
  auto area = ReadableArea(ctx, req, p);
  auto from = QueryTime(req, "from");
  auto to = QueryTime(req, "to");
  for (const Status* e : {&area.status(), &from.status(), &to.status()})
    if (err.ok() && !e->ok()) err = *e;
  if (err.ok() && window_required && (!*from || !*to))
    err = InvalidArgument("'from' and 'to' are required");
  if (!err.ok()) return err;
  return Scope{*area, *from, *to};
}

void Adoption(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto scope = ReadScope(ctx, req, p);
  if (!scope.ok()) return respond(scope.status());
  analytics::AdoptionQuery q;
  q.area = scope->area;
  q.from_ms = scope->from.value_or(0);
  if (scope->to) q.to_ms = *scope->to;
  auto rows = analytics::LoadAdoptionTable(ctx.store, ctx.areas, *ctx.memberships, q);
  if (!rows.ok()) return respond(rows.status());
  respond(http::Response::Json(200, analytics::AdoptionJson(*rows, q.area, q.from_ms, scope->to)));
}

// A number in plain decimal with `digits` decimals (Boost.JSON 1.81 would write 0.5 as 5E-1).
json::value Fixed(RawJson& raw, double v, int digits) {
  if (!std::isfinite(v)) return nullptr;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return raw.Add(buf);
}

// A number parameter, `fallback` when not given.
Result<double> NumberParam(const http::Request& req, std::string_view name, double fallback) {
  auto v = QueryNumber(req, name);
  if (!v.ok()) return v.status();
  return v->value_or(fallback);
}

void DarkFigure(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto scope = ReadScope(ctx, req, p, /*window_required=*/true);
  if (!scope.ok()) return respond(scope.status());
  analytics::DarkFigureQuery q;
  q.area = scope->area;
  q.from_ms = *scope->from;
  q.to_ms = *scope->to;
  auto d = NumberParam(req, "distance_m", q.match.distance_m);
  auto h = NumberParam(req, "hours", q.match.hours);
  auto ref = NumberParam(req, "reference", q.reference);
  auto tgt = NumberParam(req, "target", q.target);
  for (const auto* r : {&d, &h, &ref, &tgt})
    if (!r->ok()) return respond(r->status());
  q.match.distance_m = *d;
  q.match.hours = *h;
  q.reference = *ref;
  q.target = *tgt;
  auto rows = analytics::LoadDarkFigure(ctx.store, ctx.areas, q);
  if (!rows.ok()) return respond(rows.status());
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
  respond(JsonResponse(200,
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

void ResponseTimes(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto scope = ReadScope(ctx, req, p, /*window_required=*/true);
  if (!scope.ok()) return respond(scope.status());
  analytics::ResponseQuery q;
  q.area = scope->area;
  q.from_ms = *scope->from;
  q.to_ms = *scope->to;
  auto target = NumberParam(req, "target_s", q.target_seconds);
  if (!target.ok()) return respond(target.status());
  q.target_seconds = *target;
  auto rows = analytics::LoadResponseTimes(ctx.store, q);
  if (!rows.ok()) return respond(rows.status());
  RawJson raw;
  json::array out;
  for (const analytics::DurationSummary& d : *rows) {
    out.push_back(json::object{{"month", d.key[0]},
                               {"agency", d.key[1]},
                               {"priority", std::stoi(d.key[2])},
                               {"count", d.count},
                               {"p50_s", Fixed(raw, d.p50, 1)},
                               {"p90_s", Fixed(raw, d.p90, 1)},
                               {"within_target_share", Fixed(raw, d.within_target_share, 4)}});
  }
  respond(JsonResponse(200,
                     json::object{{"area", q.area},
                                  {"from_ms", q.from_ms},
                                  {"to_ms", q.to_ms},
                                  {"target_s", Fixed(raw, q.target_seconds, 1)},
                                  {"rows", std::move(out)}},
                     &raw));
}

}  // namespace

void AddAnalyticsRoutes(RouteTable& t) {
  // Registered addresses come from the memberships.
  t.When([](const ApiContext& ctx) { return ctx.memberships != nullptr; });
  const Access readers = Roles(kReaders, Somewhere());
  t.Add("GET", "/api/v1/analytics/adoption", readers, Adoption);
  t.Add("GET", "/api/v1/analytics/dark-figure", readers, DarkFigure);
  t.Add("GET", "/api/v1/analytics/response-times", readers, ResponseTimes);
}

}  // namespace centinela::api
