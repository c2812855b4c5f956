// /api/v1/memberships and /api/v1/areas/{code}/adoption: neighbours ask to join the
// neighbourhood of their home; operators and admins covering that area decide. The id
// number and proof of residence are shown only to their owner and to those staff.
#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "analytics/adoption_source.h"
#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"
#include "community/membership.h"

namespace centinela::api {

namespace {

using community::Membership;

const std::vector<auth::Role> kDeciders = {auth::Role::kOperator, auth::Role::kAdmin};
const std::vector<auth::Role> kStaff = {auth::Role::kOperator, auth::Role::kResponder,
                                        auth::Role::kAnalyst, auth::Role::kAdmin};

json::object MembershipJson(const Membership& m) {
  json::object o{{"id", m.id},
                 {"user_id", m.user_id},
                 {"area", m.area_code},
                 {"address", m.address},
                 {"lat", m.lat},
                 {"lon", m.lon},
                 {"id_type", m.id_type},
                 {"id_number", m.id_number},
                 {"proof_media_id", m.proof_media_id},
                 {"proof_url", "/api/v1/media/" + m.proof_media_id},
                 {"status", m.status},
                 {"created_ms", m.created_ms}};
  o["reason"] = m.reason.empty() ? json::value(nullptr) : json::value(m.reason);
  o["decided_by"] = m.decided_by.empty() ? json::value(nullptr) : json::value(m.decided_by);
  o["decided_ms"] = m.decided_ms ? json::value(m.decided_ms) : json::value(nullptr);
  return o;
}

std::function<void(Result<Membership>)> AnswerWith(int status, Respond respond) {
  return [status, respond = std::move(respond)](Result<Membership> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(status, MembershipJson(*r)));
  };
}

void RequestMembership(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  community::MembershipRequest m;
  m.user_id = p.user_id;
  m.address = RequiredString(*body, "address", &err, community::kMaxMembershipAddressBytes);
  auto lat = NumberField(*body, "lat", &err);
  auto lon = NumberField(*body, "lon", &err);
  m.id_type = RequiredString(*body, "id_type", &err, 16);
  m.id_number = RequiredString(*body, "id_number", &err, 64);
  m.proof_media_id = RequiredString(*body, "proof_media_id", &err, 64);
  if (err.ok() && (!lat || !lon)) err = Unprocessable("fields 'lat' and 'lon' are required");
  if (!err.ok()) return respond(err);
  m.lat = *lat;
  m.lon = *lon;
  if (auto wait = ctx.memberships->Reserve(p.user_id))
    return respond(TooManyRequests(
        "too many membership requests; retry in " + std::to_string(*wait) + " s", *wait));
  ctx.memberships->Request(m, AnswerWith(201, std::move(respond)));
}

void ListMine(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto list = ctx.memberships->Mine(p.user_id);
  if (!list.ok()) return respond(list.status());
  json::array out;
  for (const Membership& m : *list) out.push_back(MembershipJson(m));
  respond(JsonResponse(200, json::object{{"memberships", std::move(out)}}));
}

void ListForStaff(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto required = QueryRequired(req, "area");
  if (!required.ok()) return respond(required.status());
  const std::string& area = *required;
  auto status_param = QueryChoice(req, "status", {"pending", "approved", "rejected", "left"}, "");
  if (!status_param.ok()) return respond(status_param.status());
  const std::string& status = *status_param;
  if (Status s = CoverArea(ctx, p, kDeciders, area); !s.ok()) return respond(s);
  auto list = ctx.memberships->List(area, status);
  if (!list.ok()) return respond(list.status());
  json::array out;
  for (const Membership& m : *list) out.push_back(MembershipJson(m));
  respond(JsonResponse(200, json::object{{"memberships", std::move(out)}}));
}

void DecideMembership(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond,
                      bool approve) {
  std::string reason;
  if (!req.body.empty() || !approve) {
    Result<json::object> body = ParseBody(req);
    if (!body.ok()) return respond(body.status());
    Status err;
    auto r = StringField(*body, "reason", &err, community::kMaxDecisionReasonBytes);
    if (!err.ok()) return respond(err);
    reason = r.value_or("");
    if (!approve && reason.empty())
      return respond(Unprocessable("a rejection needs a 'reason'"));
  }
  const std::string id = req.Param("id");
  auto found = ctx.memberships->Get(id);
  if (!found.ok()) return respond(found.status());
  if (!*found) return respond(NotFound("no membership '" + id + "'"));
  if (Status s = CoverArea(ctx, p, kDeciders, (*found)->area_code); !s.ok())
    return respond(s);
  ctx.memberships->Decide(id, p.user_id, approve, reason, AnswerWith(200, std::move(respond)));
}

void LeaveMembership(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  ctx.memberships->Leave(req.Param("id"), p.user_id, AnswerWith(200, std::move(respond)));
}

// The area of /areas/{code}/adoption: 404 when there is none, else the staff grant must
// cover it.
Result<std::vector<std::string>> TheArea(ApiContext& ctx, const http::Request& req) {
  const std::string code = req.Param("code");
  if (!ctx.areas.Get(code)) return NotFound("no area '" + code + "'");
  return std::vector<std::string>{code};
}

// One area's row of the adoption table (analytics/adoption.h): a parent sums its children,
// exactly as /api/v1/analytics/adoption and `centinela report adoption` do.
void Adoption(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string code = req.Param("code");  // found and covered (TheArea)
  analytics::AdoptionQuery q;
  q.area = code;
  auto rows = analytics::LoadAdoptionTable(ctx.store, ctx.areas, *ctx.memberships, q);
  if (!rows.ok()) return respond(rows.status());
  const analytics::AdoptionRow& row = rows->front();
  RawJson raw;
  respond(JsonResponse(
      200,
      json::object{{"code", code},
                   {"population", row.population},
                   {"registered_addresses", row.registered},
                   {"target", row.target},
                   {"missing", row.missing},
                   {"compliance_pct", row.compliance_tenths
                                          ? raw.Add(analytics::FormatTenths(row.compliance_tenths))
                                          : json::value(nullptr)}},
      &raw));
}

}  // namespace

void AddMembershipRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.memberships != nullptr; });
  t.Add("POST", "/api/v1/memberships", AnyUser(), RequestMembership);
  t.Add("GET", "/api/v1/memberships/mine", AnyUser(), ListMine);
  // The area (query) and the membership's area are checked by the handlers, after the
  // request's own validation, as before.
  t.Add("GET", "/api/v1/memberships", Roles(kDeciders), ListForStaff);
  t.Add("POST", "/api/v1/memberships/{id}/approve", Roles(kDeciders),
        WithFlag(DecideMembership, true));
  t.Add("POST", "/api/v1/memberships/{id}/reject", Roles(kDeciders),
        WithFlag(DecideMembership, false));
  t.Add("POST", "/api/v1/memberships/{id}/leave", AnyUser(), LeaveMembership);
  t.Add("GET", "/api/v1/areas/{code}/adoption", Roles(kStaff, ResolvedArea(TheArea)), Adoption);
}

}  // namespace centinela::api
