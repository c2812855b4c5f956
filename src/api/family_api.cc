// /api/v1/family: a neighbour's family circle. Invitations by email or phone; only the
// invitee answers; either side leaves. Accepted links feed community::Decide.
#include <functional>

#include "api/context.h"
#include "api/json.h"
#include "auth/validate.h"
#include "community/family.h"

namespace centinela::api {

namespace {

using community::FamilyLink;

community::FamilyCaller CallerOf(const auth::Principal& p) {
  return community::FamilyCaller{p.user_id, p.email, p.phone};
}

json::object LinkJson(const FamilyLink& l, const std::string& viewer) {
  json::object o{{"id", l.id},
                 {"owner_id", l.owner_id},
                 {"status", l.status},
                 {"direction", l.owner_id == viewer ? "outgoing" : "incoming"},
                 {"created_ms", l.created_ms},
                 {"updated_ms", l.updated_ms}};
  // The inviter learns who the member is only once they accept: an invitation answers the
  // same whether or not the email or phone has an account (no account enumeration).
  const bool hidden = l.owner_id == viewer && l.status != "accepted";
  o["member_id"] = l.member_id.empty() || hidden ? json::value(nullptr) : json::value(l.member_id);
  o["invite_email"] = l.invite_email.empty() ? json::value(nullptr) : json::value(l.invite_email);
  o["invite_phone"] = l.invite_phone.empty() ? json::value(nullptr) : json::value(l.invite_phone);
  return o;
}

std::function<void(Result<FamilyLink>)> AnswerWith(int status, std::string viewer,
                                                   http::Reply reply) {
  return [status, viewer = std::move(viewer), reply = std::move(reply)](Result<FamilyLink> r) {
    if (!r.ok()) return reply(http::Response::Error(r.status()));
    reply(JsonResponse(status, LinkJson(*r, viewer)));
  };
}

void Invite(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  Status err;
  auto email = StringField(*body, "email", &err, auth::kMaxEmailBytes);
  auto phone = StringField(*body, "phone", &err, 64);
  if (!err.ok()) return reply(http::Response::Error(err));
  if (email.has_value() == phone.has_value())
    return reply(
        http::Response::Error(Unprocessable("give exactly one of 'email' or 'phone'")));
  std::string norm_email, norm_phone;
  Status s = email ? auth::NormalizeEmail(*email, &norm_email)
                   : auth::NormalizePhone(*phone, &norm_phone);
  if (!s.ok()) return reply(http::Response::Error(Unprocessable(s.message())));
  ctx.family->Invite(CallerOf(*p), norm_email, norm_phone,
                     AnswerWith(201, p->user_id, std::move(reply)));
}

void ListMine(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  auto links = ctx.family->Mine(CallerOf(*p));
  if (!links.ok()) return reply(http::Response::Error(links.status()));
  json::array out;
  for (const FamilyLink& l : *links) out.push_back(LinkJson(l, p->user_id));
  reply(JsonResponse(200, json::object{{"links", std::move(out)}}));
}

void AnswerInvite(ApiContext& ctx, http::Request& req, http::Reply reply, bool accept) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  ctx.family->Answer(req.Param("id"), CallerOf(*p), accept,
                     AnswerWith(200, p->user_id, std::move(reply)));
}

void Leave(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  ctx.family->Leave(req.Param("id"), CallerOf(*p), AnswerWith(200, p->user_id, std::move(reply)));
}

}  // namespace

void AddFamilyRoutes(http::Router& r, ApiContext& ctx) {
  if (!ctx.family) return;
  r.Add("POST", "/api/v1/family/invitations",
        [&ctx](http::Request& q, http::Reply y) { Invite(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/family",
        [&ctx](http::Request& q, http::Reply y) { ListMine(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/family/{id}/accept",
        [&ctx](http::Request& q, http::Reply y) { AnswerInvite(ctx, q, std::move(y), true); });
  r.Add("POST", "/api/v1/family/{id}/decline",
        [&ctx](http::Request& q, http::Reply y) { AnswerInvite(ctx, q, std::move(y), false); });
  r.Add("POST", "/api/v1/family/{id}/leave",
        [&ctx](http::Request& q, http::Reply y) { Leave(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
