// /api/v1/auth/* and /api/v1/me: registration, login (with TOTP for staff), logout, TOTP
// enrolment, the caller's own profile.
#include "api/context.h"
#include "api/json.h"
#include "auth/totp.h"
#include "community/membership.h"
#include "common/clock.h"
#include "community/rate_limit.h"

namespace centinela::api {

namespace {

void Register(ApiContext& ctx, http::Request& req, http::Reply reply) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  auth::NewUser u;
  if (Status err = ReadNewUser(*body, &u); !err.ok()) return reply(http::Response::Error(err));
  if (ctx.registrations != nullptr) {
    if (std::optional<int> wait = ctx.registrations->Reserve(req.remote_ip)) {
      http::Response resp = http::Response::Error(
          RateLimited("too many registrations from this address; try again later"));
      resp.headers.emplace_back("Retry-After", std::to_string(*wait));
      return reply(std::move(resp));
    }
  }
  // Self-registration always makes a neighbour; staff are created by admins. A taken email
  // or phone answers like a new account (Accounts::Register): no account enumeration.
  ctx.accounts.Register(std::move(u), [reply](Result<auth::UserView> r) {
    if (!r.ok()) return reply(http::Response::Error(r.status()));
    reply(JsonResponse(201, UserJson(*r)));
  });
}

void Login(ApiContext& ctx, http::Request& req, http::Reply reply) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  Status err;
  std::string login = StringField(*body, "login", &err, 254).value_or("");
  if (login.empty()) login = StringField(*body, "email", &err, 254).value_or("");
  if (login.empty()) login = StringField(*body, "phone", &err, 32).value_or("");
  std::string password = RequiredString(*body, "password", &err, 1024);
  auth::SecondFactor factor;
  factor.totp = StringField(*body, "totp", &err, 64).value_or("");
  factor.recovery_code = StringField(*body, "recovery_code", &err, 64).value_or("");
  if (err.ok() && login.empty()) err = Unprocessable("field 'login' (email or phone) is required");
  if (!err.ok()) return reply(http::Response::Error(err));
  ctx.accounts.Login(std::move(login), std::move(password), std::move(factor), req.remote_ip,
                     [reply](Result<auth::LoginResult> r, int64_t retry_after_s) {
                       if (!r.ok()) {
                         http::Response resp = AuthErrorResponse(r.status());
                         if (r.status().code() == Code::kRateLimited)
                           resp.headers.emplace_back("Retry-After",
                                                     std::to_string(std::max<int64_t>(1, retry_after_s)));
                         return reply(std::move(resp));
                       }
                       json::object o;
                       o["token"] = r->token;
                       o["token_type"] = "Bearer";
                       o["expires_at"] = FormatIsoTime(r->expires_ms);
                       o["user"] = UserJson(r->user);
                       if (r->totp_enrollment_only) o["totp_enrollment_required"] = true;
                       reply(JsonResponse(200, o));
                     });
}

void Logout(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = AuthenticateForTotpEnrollment(ctx, req, reply);
  if (!p) return;
  ctx.accounts.Logout(BearerToken(req), [reply](Status s) {
    reply(ErrorOr(s, http::Response::Json(204, "")));
  });
}

// POST /api/v1/auth/totp/enroll: a fresh secret for the caller (staff), pending until
// confirmed. Enrol-only tokens are accepted here: this is what they are for.
void TotpEnroll(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = AuthenticateForTotpEnrollment(ctx, req, reply);
  if (!p) return;
  ctx.accounts.BeginTotpEnrollment(*p, [reply](Result<auth::TotpEnrollment> r) {
    if (!r.ok()) return reply(http::Response::Error(r.status()));
    json::object o;
    o["secret"] = r->secret_base32;
    o["otpauth_uri"] = r->otpauth_uri;
    o["digits"] = auth::kTotpDigits;
    o["period_s"] = auth::kTotpStepMs / 1000;
    reply(JsonResponse(200, o));
  });
}

// POST /api/v1/auth/totp/confirm {code}: activates the pending secret; the recovery codes in
// the answer are shown this once.
void TotpConfirm(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = AuthenticateForTotpEnrollment(ctx, req, reply);
  if (!p) return;
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  Status err;
  std::string code = RequiredString(*body, "code", &err, 64);
  if (!err.ok()) return reply(http::Response::Error(err));
  ctx.accounts.ConfirmTotp(*p, std::move(code), [reply](Result<std::vector<std::string>> r) {
    if (!r.ok()) return reply(AuthErrorResponse(r.status()));
    json::array codes;
    for (const std::string& c : *r) codes.emplace_back(c);
    reply(JsonResponse(200, json::object{{"totp_enabled", true}, {"recovery_codes", std::move(codes)}}));
  });
}

json::object MeJson(const auth::Principal& p) {
  json::object o;
  o["id"] = p.user_id;
  o["email"] = p.email.empty() ? json::value(nullptr) : json::value(p.email);
  o["phone"] = p.phone.empty() ? json::value(nullptr) : json::value(p.phone);
  o["display_name"] = p.display_name;
  o["locale"] = p.locale;
  o["roles"] = GrantsJson(p.grants);
  o["staff"] = p.IsStaff();
  o["token_expires_at"] = FormatIsoTime(p.token_expires_ms);
  return o;
}

void GetMe(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  json::object o = MeJson(*p);
  Result<bool> totp = ctx.accounts.TotpActive(p->user_id);
  if (!totp.ok()) return reply(http::Response::Error(totp.status()));
  o["totp_enabled"] = *totp;
  if (ctx.memberships) {
    auto mine = ctx.memberships->Mine(p->user_id);
    if (!mine.ok()) return reply(http::Response::Error(mine.status()));
    json::array verified;
    for (const community::Membership& m : *mine)
      if (m.status == "approved") verified.emplace_back(m.area_code);
    o["verified_neighbourhoods"] = std::move(verified);
  }
  reply(JsonResponse(200, o));
}

void PatchMe(ApiContext& ctx, http::Request& req, http::Reply reply) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return;
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return reply(http::Response::Error(body.status()));
  Status err;
  auth::ProfilePatch patch;
  patch.display_name = StringField(*body, "display_name", &err, 400);
  patch.locale = StringField(*body, "locale", &err, 8);
  if (!err.ok()) return reply(http::Response::Error(err));
  if (!patch.display_name && !patch.locale)
    return reply(http::Response::Error(Unprocessable("nothing to change: give display_name or locale")));
  ctx.accounts.UpdateProfile(*p, std::move(patch), [reply](Result<auth::UserView> r) {
    if (!r.ok()) return reply(http::Response::Error(r.status()));
    reply(JsonResponse(200, UserJson(*r)));
  });
}

}  // namespace

void AddAuthRoutes(http::Router& r, ApiContext& ctx) {
  r.Add("POST", "/api/v1/auth/register", [&ctx](http::Request& q, http::Reply y) { Register(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/auth/login", [&ctx](http::Request& q, http::Reply y) { Login(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/auth/logout", [&ctx](http::Request& q, http::Reply y) { Logout(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/auth/totp/enroll", [&ctx](http::Request& q, http::Reply y) { TotpEnroll(ctx, q, std::move(y)); });
  r.Add("POST", "/api/v1/auth/totp/confirm", [&ctx](http::Request& q, http::Reply y) { TotpConfirm(ctx, q, std::move(y)); });
  r.Add("GET", "/api/v1/me", [&ctx](http::Request& q, http::Reply y) { GetMe(ctx, q, std::move(y)); });
  r.Add("PATCH", "/api/v1/me", [&ctx](http::Request& q, http::Reply y) { PatchMe(ctx, q, std::move(y)); });
}

}  // namespace centinela::api
