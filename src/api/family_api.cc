// /api/v1/family: a neighbour's family circle. Invitations by email or phone; only the
// invitee answers; either side leaves. Accepted links feed community::Decide.
#include <functional>

#include "api/context.h"
#include "api/json.h"
#include "api/route.h"
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
                                                   Respond respond) {
  return [status, viewer = std::move(viewer), respond = std::move(respond)](Result<FamilyLink> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(status, LinkJson(*r, viewer)));
  };
}

void Invite(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  auto email = StringField(*body, "email", &err, auth::kMaxEmailBytes);
  auto phone = StringField(*body, "phone", &err, 64);
  if (!err.ok()) return respond(err);
  if (email.has_value() == phone.has_value())
    return respond(
        http::Response::Error(Unprocessable("give exactly one of 'email' or 'phone'")));
  std::string norm_email, norm_phone;
  Status s = email ? auth::NormalizeEmail(*email, &norm_email)
                   : auth::NormalizePhone(*phone, &norm_phone);
  if (!s.ok()) return respond(Unprocessable(s.message()));
  ctx.family->Invite(CallerOf(p), norm_email, norm_phone,
                     AnswerWith(201, p.user_id, std::move(respond)));
}

void ListMine(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  auto links = ctx.family->Mine(CallerOf(p));
  if (!links.ok()) return respond(links.status());
  json::array out;
  for (const FamilyLink& l : *links) out.push_back(LinkJson(l, p.user_id));
  respond(JsonResponse(200, json::object{{"links", std::move(out)}}));
}

void AnswerInvite(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond, bool accept) {
  ctx.family->Answer(req.Param("id"), CallerOf(p), accept,
                     AnswerWith(200, p.user_id, std::move(respond)));
}

void Leave(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  ctx.family->Leave(req.Param("id"), CallerOf(p), AnswerWith(200, p.user_id, std::move(respond)));
}

}  // namespace

void AddFamilyRoutes(RouteTable& t) {
  t.When([](const ApiContext& ctx) { return ctx.family != nullptr; });
  t.Add("POST", "/api/v1/family/invitations", AnyUser(), Invite);
  t.Add("GET", "/api/v1/family", AnyUser(), ListMine);
  t.Add("POST", "/api/v1/family/{id}/accept", AnyUser(), WithFlag(AnswerInvite, true));
  t.Add("POST", "/api/v1/family/{id}/decline", AnyUser(), WithFlag(AnswerInvite, false));
  t.Add("POST", "/api/v1/family/{id}/leave", AnyUser(), Leave);
}

}  // namespace centinela::api
