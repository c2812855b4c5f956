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

std::function<void(Result<Membership>)> AnswerWith(int status, http::Reply reply) {
  return [status, reply = std::move(reply)](Result<Membership> r) {
    if (!r.ok()) return reply(http::Response::Error(r.status()));
    reply(JsonResponse(status, MembershipJson(*r)));
  };
}

void RequestMembership(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  Status err;
  community::MembershipRequest m;
  m.user_id = p->user_id;
  m.address = RequiredString(*body, "address", &err, community::kMaxMembershipAddressBytes);
  auto lat = NumberField(*body, "lat", &err);
  auto lon = NumberField(*body, "lon", &err);
  m.id_type = RequiredString(*body, "id_type", &err, 16);
  m.id_number = RequiredString(*body, "id_number", &err, 64);
  m.proof_media_id = RequiredString(*body, "proof_media_id", &err, 64);
  if (err.ok() && (!lat || !lon)) err = Unprocessable("fields 'lat' and 'lon' are required");
  if (!err.ok()) return reply(http::Response::Error(err));
  m.lat = *lat;
  m.lon = *lon;
  if (auto wait = ctx.memberships->Reserve(p->user_id)) {
    http::Response r = http::Response::Error(RateLimited(
        "too many membership requests; retry in " + std::to_string(*wait) + " s"));
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return reply(std::move(r));
  }
  ctx.memberships->Request(m, AnswerWith(201, std::move(reply)));
}

void ListMine(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  auto list = ctx.memberships->Mine(p->user_id);
  if (!list.ok()) return reply(http::Response::Error(list.status()));
  json::array out;
  for (const Membership& m : *list) out.push_back(MembershipJson(m));
  reply(JsonResponse(200, json::object{{"memberships", std::move(out)}}));
}

void ListForStaff(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = RequireRole(ctx, req, reply, kDeciders);
  if (!p) return;
  const std::string area = req.Query("area");
  const std::string status = req.Query("status");
  if (area.empty()) return reply(http::Response::Error(InvalidArgument("'area' is required")));
  if (!status.empty() && status != "pending" && status != "approved" && status != "rejected" &&
      status != "left")
    return reply(http::Response::Error(
        InvalidArgument("'status' must be pending, approved, rejected or left")));
  if (!Covers(ctx, *p, kDeciders, area))
    return reply(http::Response::Error(
        PermissionDenied("your grants do not cover area '" + area + "'")));
  auto list = ctx.memberships->List(area, status);
  if (!list.ok()) return reply(http::Response::Error(list.status()));
  json::array out;
  for (const Membership& m : *list) out.push_back(MembershipJson(m));
  reply(JsonResponse(200, json::object{{"memberships", std::move(out)}}));
}

void DecideMembership(ApiContext& ctx, http::Request& req, http::Reply reply, bool approve) {
  auto p = RequireRole(ctx, req, reply, kDeciders);
  if (!p) return;
  std::string reason;
  if (!req.body.empty() || !approve) {
    Result<json::object> body = ParseBody(req);
    if (!body.ok()) return reply(http::Response::Error(body.status()));
    Status err;
    auto r = StringField(*body, "reason", &err, community::kMaxDecisionReasonBytes);
    if (!err.ok()) return reply(http::Response::Error(err));
    reason = r.value_or("");
    if (!approve && reason.empty())
      return reply(http::Response::Error(Unprocessable("a rejection needs a 'reason'")));
  }
  const std::string id = req.Param("id");
  auto found = ctx.memberships->Get(id);
  if (!found.ok()) return reply(http::Response::Error(found.status()));
  if (!*found) return reply(http::Response::Error(NotFound("no membership '" + id + "'")));
  if (!Covers(ctx, *p, kDeciders, (*found)->area_code))
    return reply(http::Response::Error(PermissionDenied(
        "your grants do not cover area '" + (*found)->area_code + "'")));
  ctx.memberships->Decide(id, p->user_id, approve, reason, AnswerWith(200, std::move(reply)));
}

void LeaveMembership(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  ctx.memberships->Leave(req.Param("id"), p->user_id, AnswerWith(200, std::move(reply)));
}

// One area's row of the adoption table (analytics/adoption.h): a parent sums its children,
// exactly as /api/v1/analytics/adoption and `centinela report adoption` do.
void Adoption(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = RequireRole(ctx, req, reply, kStaff);
  if (!p) return;
  const std::string code = req.Param("code");
  if (!ctx.areas.Get(code)) return reply(http::Response::Error(NotFound("no area '" + code + "'")));
  if (!Covers(ctx, *p, kStaff, code))
    return reply(http::Response::Error(
        PermissionDenied("your grants do not cover area '" + code + "'")));
  analytics::AdoptionQuery q;
  q.area = code;
  auto rows = analytics::LoadAdoptionTable(ctx.store, ctx.areas, *ctx.memberships, q);
  if (!rows.ok()) return reply(http::Response::Error(rows.status()));
  const analytics::AdoptionRow& row = rows->front();
  RawJson raw;
  reply(JsonResponse(
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

void AddMembershipRoutes(http::Router& r, ApiContext& ctx) {
  if (!ctx.memberships) return;
  r.Add("POST", "/api/v1/memberships",
        [&ctx](http::Request& q, http::Reply y) { RequestMembership(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/memberships/mine",
        [&ctx](http::Request& q, http::Reply y) { ListMine(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/memberships",
        [&ctx](http::Request& q, http::Reply y) { ListForStaff(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/memberships/{id}/approve",
        [&ctx](http::Request& q, http::Reply y) { DecideMembership(ctx, q, std::move(y), true); });
  r.Add("POST", "/api/v1/memberships/{id}/reject", [&ctx](http::Request& q, http::Reply y) {
    DecideMembership(ctx, q, std::move(y), false);
  });
  r.Add("POST", "/api/v1/memberships/{id}/leave",
        [&ctx](http::Request& q, http::Reply y) { LeaveMembership(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/areas/{code}/adoption",
        [&ctx](http::Request& q, http::Reply y) { Adoption(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
