// /api/v1/auth/* and /api/v1/me: registration, login (with TOTP for staff), logout, TOTP
// enrolment, the caller's own profile.
#include "api/context.h"
#include "api/json.h"
#include "api/route.h"
#include "auth/totp.h"
#include "community/membership.h"
#include "common/clock.h"
#include "community/rate_limit.h"

namespace centinela::api {

namespace {

void Register(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  auth::NewUser u;
  if (Status err = ReadNewUser(*body, &u); !err.ok()) return respond(err);
  if (ctx.registrations != nullptr) {
    if (std::optional<int> wait = ctx.registrations->Reserve(req.remote_ip))
      return respond(
          TooManyRequests("too many registrations from this address; try again later", *wait));
  }
  // Self-registration always makes a neighbour; staff are created by admins. A taken email
  // or phone answers like a new account (Accounts::Register): no account enumeration.
  ctx.accounts.Register(std::move(u), [respond](Result<auth::UserView> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(201, UserJson(*r)));
  });
}

void Login(ApiContext& ctx, http::Request& req, const Caller&, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string login = StringField(*body, "login", &err, 254).value_or("");
  if (login.empty()) login = StringField(*body, "email", &err, 254).value_or("");
  if (login.empty()) login = StringField(*body, "phone", &err, 32).value_or("");
  std::string password = RequiredString(*body, "password", &err, 1024);
  auth::SecondFactor factor;
  factor.totp = StringField(*body, "totp", &err, 64).value_or("");
  factor.recovery_code = StringField(*body, "recovery_code", &err, 64).value_or("");
  if (err.ok() && login.empty()) err = Unprocessable("field 'login' (email or phone) is required");
  if (!err.ok()) return respond(err);
  ctx.accounts.Login(std::move(login), std::move(password), std::move(factor), req.remote_ip,
                     [respond](Result<auth::LoginResult> r, int64_t retry_after_s) {
                       if (!r.ok()) {
                         http::Response resp = ErrorResponse(r.status());
                         if (r.status().code() == Code::kRateLimited)
                           resp.headers.emplace_back("Retry-After",
                                                     std::to_string(std::max<int64_t>(1, retry_after_s)));
                         return respond(std::move(resp));
                       }
                       json::object o;
                       o["token"] = r->token;
                       o["token_type"] = "Bearer";
                       o["expires_at"] = FormatIsoTime(r->expires_ms);
                       o["user"] = UserJson(r->user);
                       if (r->totp_enrollment_only) o["totp_enrollment_required"] = true;
                       respond(JsonResponse(200, o));
                     });
}

void Logout(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  ctx.accounts.Logout(BearerToken(req), [respond](Status s) {
    if (!s.ok()) return respond(s);
    respond(http::Response::Json(204, ""));
  });
}

// POST /api/v1/auth/totp/enroll: a fresh secret for the caller (staff), pending until
// confirmed. Enrol-only tokens are accepted here: this is what they are for.
void TotpEnroll(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  ctx.accounts.BeginTotpEnrollment(p, [respond](Result<auth::TotpEnrollment> r) {
    if (!r.ok()) return respond(r.status());
    json::object o;
    o["secret"] = r->secret_base32;
    o["otpauth_uri"] = r->otpauth_uri;
    o["digits"] = auth::kTotpDigits;
    o["period_s"] = auth::kTotpStepMs / 1000;
    respond(JsonResponse(200, o));
  });
}

// POST /api/v1/auth/totp/confirm {code}: activates the pending secret; the recovery codes in
// the answer are shown this once.
void TotpConfirm(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  std::string code = RequiredString(*body, "code", &err, 64);
  if (!err.ok()) return respond(err);
  ctx.accounts.ConfirmTotp(p, std::move(code), [respond](Result<std::vector<std::string>> r) {
    if (!r.ok()) return respond(r.status());
    json::array codes;
    for (const std::string& c : *r) codes.emplace_back(c);
    respond(JsonResponse(200, json::object{{"totp_enabled", true}, {"recovery_codes", std::move(codes)}}));
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

void GetMe(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  json::object o = MeJson(p);
  Result<bool> totp = ctx.accounts.TotpActive(p.user_id);
  if (!totp.ok()) return respond(totp.status());
  o["totp_enabled"] = *totp;
  if (ctx.memberships) {
    auto mine = ctx.memberships->Mine(p.user_id);
    if (!mine.ok()) return respond(mine.status());
    json::array verified;
    for (const community::Membership& m : *mine)
      if (m.status == "approved") verified.emplace_back(m.area_code);
    o["verified_neighbourhoods"] = std::move(verified);
  }
  respond(JsonResponse(200, o));
}

void PatchMe(ApiContext& ctx, http::Request& req, const Caller& p, Respond respond) {
  Result<json::object> body = ParseBody(req);
  if (!body.ok()) return respond(body.status());
  Status err;
  auth::ProfilePatch patch;
  patch.display_name = StringField(*body, "display_name", &err, 400);
  patch.locale = StringField(*body, "locale", &err, 8);
  if (!err.ok()) return respond(err);
  if (!patch.display_name && !patch.locale)
    return respond(Unprocessable("nothing to change: give display_name or locale"));
  ctx.accounts.UpdateProfile(p, std::move(patch), [respond](Result<auth::UserView> r) {
    if (!r.ok()) return respond(r.status());
    respond(JsonResponse(200, UserJson(*r)));
  });
}

}  // namespace

void AddAuthRoutes(RouteTable& t) {
  t.Add("POST", "/api/v1/auth/register", Public(), Register);
  t.Add("POST", "/api/v1/auth/login", Public(), Login);
  // A token limited to second-factor enrolment may enrol, confirm and sign out.
  t.Add("POST", "/api/v1/auth/logout", AnyUser().DuringEnrolment(), Logout);
  t.Add("POST", "/api/v1/auth/totp/enroll", AnyUser().DuringEnrolment(), TotpEnroll);
  t.Add("POST", "/api/v1/auth/totp/confirm", AnyUser().DuringEnrolment(), TotpConfirm);
  t.Add("GET", "/api/v1/me", AnyUser(), GetMe);
  t.Add("PATCH", "/api/v1/me", AnyUser(), PatchMe);
}

}  // namespace centinela::api
