// /api/v1/users: staff accounts and their area-scoped grants, managed by admins.
// An admin may only create or grant roles over areas its own admin grant covers.
#include <algorithm>
#include <limits>

#include "api/context.h"
#include "api/json.h"
#include "api/params.h"
#include "api/route.h"

namespace centinela::api {

namespace {

const std::vector<auth::Role> kAdmin = {auth::Role::kAdmin};

bool SeesUser(ApiContext& ctx, const auth::Principal& admin, const auth::UserView& u) {
  // Through Covers (as below) so that the admin grant's use is noted for the access review.
  if (Covers(ctx, admin, kAdmin, std::string(auth::kAllAreas))) return true;
  for (const auth::Grant& g : u.grants) {
    if (!g.area_code.empty() && Covers(ctx, admin, kAdmin, g.area_code)) return true;
  }
  return false;
}

Result<auth::Grant> ParseGrant(ApiContext& ctx, const json::value& v) {
  if (!v.is_object()) return Unprocessable("each role must be an object {role, area}");
  Status err;
  std::string role_name = RequiredString(v.as_object(), "role", &err, 32);
  std::string area = StringField(v.as_object(), "area", &err, 64).value_or("");
  if (!err.ok()) return err;
  auto role = auth::ParseRole(role_name);
  if (!role) return Unprocessable("unknown role '" + role_name + "' (neighbour, operator, responder, analyst, admin, deanonymise)");
  if (auth::IsAreaScopedRole(*role) && area.empty())
    return Unprocessable("staff role '" + role_name + "' needs an area");
  if (!area.empty() && area != auth::kAllAreas && !ctx.areas.Get(area))
    return Unprocessable("unknown area '" + area + "'");
  if (*role == auth::Role::kNeighbour) area.clear();
  return auth::Grant{*role, area};
}

// The admin may hand out `g` only over an area its own admin grant covers.
bool MayGrant(ApiContext& ctx, const auth::Principal& admin, const auth::Grant& g) {
  if (g.area_code.empty()) return true;  // neighbour role carries no area
  if (g.area_code == auth::kAllAreas) return Covers(ctx, admin, kAdmin, std::string(auth::kAllAreas));
  return Covers(ctx, admin, kAdmin, g.area_code);
}

void ListUsers(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  // Out-of-range values are clamped, not refused: a page of at most 500 from offset >= 0.
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  auto limit_param = QueryInt(req, "limit", -kIntMax, kIntMax);
  if (!limit_param.ok()) return respond(limit_param.status());
  auto offset_param = QueryInt(req, "offset", -kIntMax, kIntMax);
  if (!offset_param.ok()) return respond(offset_param.status());
  const int limit = static_cast<int>(std::clamp<int64_t>(limit_param->value_or(100), 1, 500));
  const int offset = static_cast<int>(std::max<int64_t>(0, offset_param->value_or(0)));
  std::string q = req.Query("q");
  if (q.size() > 100)
    return respond(InvalidArgument("'q' is at most 100 bytes"));
  auto users = ctx.accounts.ListUsers(limit, offset, q);
  if (!users.ok()) return respond(users.status());
  json::array out;
  for (const auth::UserView& u : *users)
    if (SeesUser(ctx, p, u)) out.push_back(UserJson(u));
  respond(JsonResponse(200, json::object{{"users", std::move(out)}, {"limit", limit}, {"offset", offset}}));
}

void CreateUser(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auth::NewUser u;
  if (Status err = ReadNewUser(*body, &u); !err.ok()) return respond(err);
  if (const json::value* roles = body->if_contains("roles")) {
    if (!roles->is_array()) return respond(Unprocessable("'roles' must be an array"));
    for (const json::value& v : roles->as_array()) {
      Result<auth::Grant> g = ParseGrant(ctx, v);
      if (!g.ok()) return respond(g.status());
      if (!MayGrant(ctx, p, *g))
        return respond(PermissionDenied("area '" + g->area_code + "' is outside your admin grant"));
      u.grants.push_back(*g);
    }
  }
  ctx.accounts.CreateUser(std::move(u), p.user_id, [respond](Result<auth::UserView> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(201, UserJson(*r)));
  });
}

void GetUser(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  std::string id = req.Param("id");
  bool self = id == p.user_id;
  if (!self && !p.HasRole(auth::Role::kAdmin))
    return respond(PermissionDenied("only admins may read other users"));
  auto u = ctx.accounts.GetUser(id);
  if (!u.ok()) return respond(u.status());
  if (!self && !SeesUser(ctx, p, *u))
    return respond(PermissionDenied("this user is outside your admin grant"));
  respond(JsonResponse(200, UserJson(*u)));
}

void AddGrant(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Result<auth::Grant> g = ParseGrant(ctx, json::value(*body));
  if (!g.ok()) return respond(g.status());
  if (!MayGrant(ctx, p, *g))
    return respond(PermissionDenied("area '" + g->area_code + "' is outside your admin grant"));
  ctx.accounts.AddGrant(req.Param("id"), *g, p.user_id, [respond](Result<auth::UserView> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(200, UserJson(*r)));
  });
}

// DELETE /api/v1/users/{id}/grants?role=..&area=..: the admin must cover the area, and may
// not take away its own admin grants (another admin does that).
void RemoveGrant(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  json::object q{{"role", req.Query("role")}};
  if (std::string area = req.Query("area"); !area.empty()) q["area"] = area;
  Result<auth::Grant> g = ParseGrant(ctx, json::value(std::move(q)));
  if (!g.ok()) return respond(g.status());
  if (!MayGrant(ctx, p, *g))
    return respond(PermissionDenied("area '" + g->area_code + "' is outside your admin grant"));
  const std::string id = req.Param("id");
  if (id == p.user_id && g->role == auth::Role::kAdmin)
    return respond(Conflict("you may not remove your own admin grant"));
  ctx.accounts.RemoveGrant(id, *g, p.user_id, [respond](Result<auth::UserView> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(200, UserJson(*r)));
  });
}

// DELETE /api/v1/users/{id}/totp: an admin covering the user removes its second factor (a
// lost phone); recorded as "totp.reset". Nobody resets their own: a stolen session must not
// be enough to drop the factor that protects the account.
void ResetTotp(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  const std::string id = req.Param("id");
  if (id == p.user_id)
    return respond(Conflict("another admin must reset your own second factor"));
  auto u = ctx.accounts.GetUser(id);
  if (!u.ok()) return respond(u.status());
  if (!SeesUser(ctx, p, *u))
    return respond(PermissionDenied("this user is outside your admin grant"));
  ctx.accounts.ResetTotp(id, p.user_id, [respond](Status s) {
    if (!s.ok()) return respond(s);
    respond(http::Response::Json(204, ""));
  });
}

}  // namespace

void AddUserRoutes(RouteTable& t) {
  // Admins of any area; each handler narrows to the users and areas its grant covers.
  t.Add("GET", "/api/v1/users", Roles(kAdmin), ListUsers);
  t.Add("POST", "/api/v1/users", Roles(kAdmin), CreateUser);
  // Any user reads itself; reading another needs a covering admin grant (in the handler).
  t.Add("GET", "/api/v1/users/{id}", AnyUser(), GetUser);
  t.Add("POST", "/api/v1/users/{id}/grants", Roles(kAdmin), AddGrant);
  t.Add("DELETE", "/api/v1/users/{id}/grants", Roles(kAdmin), RemoveGrant);
  t.Add("DELETE", "/api/v1/users/{id}/totp", Roles(kAdmin), ResetTotp);
}

}  // namespace centinela::api
