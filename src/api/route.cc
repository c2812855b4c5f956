#include "api/route.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <memory>
#include <utility>

#include "api/context.h"
#include "tracking/positions.h"

namespace centinela::api {

std::string_view DeviceKindName(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kUnitTracker:
      return "unit_tracker";
    case DeviceKind::kOsmAndTracker:
      return "osmand_tracker";
  }
  return "unknown";
}

Access Public() {
  Access a;
  a.kind = CallerKind::kPublic;
  return a;
}

Access AnyUser() { return Access{}; }

Access Access::Hidden() const {
  Access a = *this;
  a.hide_forbidden = true;
  return a;
}

Access Access::DuringEnrolment() const {
  Access a = *this;
  a.enrolment_token = true;
  return a;
}

Access Access::PublicWhenEndsWith(std::string param, std::string suffix) const {
  Access a = *this;
  a.public_param = std::move(param);
  a.public_suffix = std::move(suffix);
  return a;
}

Access Roles(std::vector<auth::Role> roles, AreaRule area) {
  Access a;
  a.roles = std::move(roles);
  a.area = std::move(area);
  return a;
}

Access Device(DeviceKind kind) {
  Access a;
  a.kind = CallerKind::kDevice;
  a.device = kind;
  return a;
}

AreaRule Somewhere() { return AreaRule{}; }

AreaRule Global() {
  AreaRule r;
  r.kind = AreaRule::Kind::kGlobal;
  return r;
}

AreaRule AreaParam(std::string name) {
  AreaRule r;
  r.kind = AreaRule::Kind::kPathParam;
  r.name = std::move(name);
  return r;
}

AreaRule AreaQuery(std::string name) {
  AreaRule r;
  r.kind = AreaRule::Kind::kQuery;
  r.name = std::move(name);
  return r;
}

AreaRule ResolvedArea(
    std::function<Result<std::vector<std::string>>(ApiContext&, const http::Request&)> fn) {
  AreaRule r;
  r.kind = AreaRule::Kind::kResolved;
  r.resolve = std::move(fn);
  return r;
}

RouteSpec& RouteTable::Add(std::string method, std::string pattern, Access access,
                           ApiHandler handler) {
  RouteSpec s;
  s.method = std::move(method);
  s.pattern = std::move(pattern);
  s.access = std::move(access);
  s.handler = std::move(handler);
  s.enabled = enabled_;
  specs_.push_back(std::move(s));
  return specs_.back();
}

const std::vector<RouteSpec>& ApiRoutes() {
  static const RouteTable kTable = [] {
    RouteTable t;
    for (void (*add)(RouteTable&) : {
             &AddHealthRoutes,
             &AddWebConfigRoutes,
             &AddFamilyRoutes,
             &AddStreamRoutes,
             &AddAuthRoutes,
             &AddUserRoutes,
             &AddAreaRoutes,
             &AddMembershipRoutes,
             &AddMediaRoutes,
             &AddReportRoutes,
             &AddCommentRoutes,
             &AddIncidentRoutes,
             &AddUnitRoutes,
             &AddPositionRoutes,
             &AddAnalyticsRoutes,
             &AddCrimeMapRoutes,
             &AddBroadcastRoutes,
         }) {
      t.When(nullptr);
      add(t);
    }
    return t;
  }();
  return kTable.specs();
}

namespace {

std::string RoleList(const std::vector<auth::Role>& roles) {
  std::string names;
  for (auth::Role r : roles) names += (names.empty() ? "" : ", ") + std::string(auth::RoleName(r));
  return names;
}

std::string_view CallerKindName(CallerKind kind) {
  switch (kind) {
    case CallerKind::kPublic:
      return "public";
    case CallerKind::kUser:
      return "user";
    case CallerKind::kDevice:
      return "device";
  }
  return "unknown";
}

std::string AreaRuleName(const AreaRule& rule) {
  switch (rule.kind) {
    case AreaRule::Kind::kSomewhere:
      return "somewhere";
    case AreaRule::Kind::kGlobal:
      return "global";
    case AreaRule::Kind::kPathParam:
      return "path:" + rule.name;
    case AreaRule::Kind::kQuery:
      return "query:" + rule.name;
    case AreaRule::Kind::kResolved:
      return "resolved";
  }
  return "unknown";
}

}  // namespace

std::string RoutesJson(const std::vector<RouteSpec>& specs) {
  boost::json::array out;
  for (const RouteSpec& s : specs) {
    boost::json::array roles;
    for (auth::Role r : s.access.roles) roles.emplace_back(auth::RoleName(r));
    boost::json::object o{{"method", s.method}, {"pattern", s.pattern},
                          {"caller", CallerKindName(s.access.kind)}, {"roles", std::move(roles)}};
    if (s.access.kind == CallerKind::kUser) {
      o["area"] = AreaRuleName(s.access.area);
      o["hidden"] = s.access.hide_forbidden;
      o["enrolment_token"] = s.access.enrolment_token;
      if (!s.access.public_suffix.empty())
        o["public_when"] = boost::json::object{{"param", s.access.public_param}, {"suffix", s.access.public_suffix}};
    }
    if (s.access.kind == CallerKind::kDevice) o["device"] = DeviceKindName(s.access.device);
    if (!s.upgrade.empty()) o["upgrade"] = s.upgrade;
    out.push_back(std::move(o));
  }
  return boost::json::serialize(out);
}

std::string RoutesTable(const std::vector<RouteSpec>& specs) {
  std::string out = fmt::format("{:<7} {:<48} {:<7} {}\n", "METHOD", "PATTERN", "CALLER", "ROLES / AREA / DEVICE");
  for (const RouteSpec& s : specs) {
    std::string who;
    if (s.access.kind == CallerKind::kUser) {
      who = s.access.roles.empty() ? "any signed-in user" : RoleList(s.access.roles) + " @ " + AreaRuleName(s.access.area);
      if (s.access.hide_forbidden) who += " (404 when not covered)";
      if (s.access.enrolment_token) who += " (enrolment token accepted)";
      if (!s.access.public_suffix.empty())
        who += " (public when {" + s.access.public_param + "} ends in " + s.access.public_suffix + ")";
    } else if (s.access.kind == CallerKind::kDevice) {
      who = std::string(DeviceKindName(s.access.device));
    }
    out += fmt::format("{:<7} {:<48} {:<7} {}\n", s.method, s.pattern, CallerKindName(s.access.kind), who);
  }
  return out;
}

http::Response ErrorResponse(const Status& s) { return AuthErrorResponse(s); }

http::Response TooManyRequests(std::string message, int64_t retry_after_s) {
  http::Response r = http::Response::Error(RateLimited(std::move(message)));
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

namespace {

constexpr std::string_view kMissingToken =
    "missing bearer token (Authorization: Bearer <token>)";

// The first covered area of `areas` (empty list: only '*' grants), noting the grant used.
std::optional<std::string> CoveredArea(ApiContext& ctx, const auth::Principal& p,
                                       const std::vector<auth::Role>& roles,
                                       const std::vector<std::string>& areas) {
  if (areas.empty()) {
    if (auth::Authorize(p, roles, {std::string(auth::kAllAreas)})) return std::string();
    return std::nullopt;
  }
  for (const std::string& a : areas)
    if (Covers(ctx, p, roles, a)) return a;
  return std::nullopt;
}

// Checks `access` for `req`; fills `caller` or returns the refusal. A refused bearer token
// sets *challenge to the WWW-Authenticate value.
Status Admit(ApiContext& ctx, const Access& access, const http::Request& req, Caller* caller,
             std::string* challenge) {
  switch (access.kind) {
    case CallerKind::kPublic:
      return Status::Ok();
    case CallerKind::kDevice:
      if (access.device == DeviceKind::kUnitTracker) {
        if (ctx.positions == nullptr) return Unavailable("positions are not enabled");
        auto unit = ctx.positions->UnitForKey(std::string(req.Header("x-device-key")));
        if (!unit) return Unauthenticated("a registered device key is required (X-Device-Key)");
        caller->device_id = *unit;
      }
      // kOsmAndTracker: the protocol names its device inside the message; the handler
      // resolves it and answers as Traccar does.
      return Status::Ok();
    case CallerKind::kUser:
      if (!access.public_suffix.empty() && req.Param(access.public_param).ends_with(access.public_suffix) &&
          req.Param(access.public_param).size() > access.public_suffix.size())
        return Status::Ok();
      break;
  }
  const std::string token = BearerToken(req);
  if (token.empty()) {
    *challenge = "Bearer";
    return Unauthenticated(std::string(kMissingToken));
  }
  Result<auth::Principal> p = access.enrolment_token
                                  ? ctx.accounts.AuthenticateForTotpEnrollment(token)
                                  : ctx.accounts.Authenticate(token);
  if (!p.ok()) {
    if (p.status().code() == Code::kUnauthenticated) *challenge = "Bearer error=\"invalid_token\"";
    return p.status();
  }
  static_cast<auth::Principal&>(*caller) = std::move(*p);
  if (access.roles.empty()) return Status::Ok();
  Status denied = access.hide_forbidden
                      ? NotFound("no such resource")
                      : PermissionDenied("this action needs the role: " + RoleList(access.roles));
  if (!auth::HoldsAny(*caller, access.roles)) return denied;
  const AreaRule& rule = access.area;
  switch (rule.kind) {
    case AreaRule::Kind::kSomewhere:
      return Status::Ok();
    case AreaRule::Kind::kGlobal:
      if (!auth::Authorize(*caller, access.roles, {std::string(auth::kAllAreas)})) {
        return access.hide_forbidden
                   ? denied
                   : PermissionDenied("this action needs the role " + RoleList(access.roles) +
                                      " for all areas ('*')");
      }
      caller->area = std::string(auth::kAllAreas);
      return Status::Ok();
    case AreaRule::Kind::kPathParam:
    case AreaRule::Kind::kQuery: {
      std::string code = rule.kind == AreaRule::Kind::kPathParam ? req.Param(rule.name)
                                                                 : req.Query(rule.name);
      std::vector<std::string> areas;
      if (!code.empty()) areas.push_back(code);
      auto covered = CoveredArea(ctx, *caller, access.roles, areas);
      if (!covered) {
        return access.hide_forbidden
                   ? denied
                   : PermissionDenied(code.empty() ? "this needs the role " +
                                                         RoleList(access.roles) +
                                                         " for all areas ('*')"
                                                   : "your grants do not cover area '" + code + "'");
      }
      caller->area = code.empty() ? std::string(auth::kAllAreas) : code;
      return Status::Ok();
    }
    case AreaRule::Kind::kResolved: {
      Result<std::vector<std::string>> areas = rule.resolve(ctx, req);
      if (!areas.ok()) return areas.status();
      auto covered = CoveredArea(ctx, *caller, access.roles, *areas);
      if (!covered) return access.hide_forbidden ? denied : PermissionDenied(
                                                                "your grants do not cover this resource's area");
      caller->area = covered->empty() ? std::string(auth::kAllAreas) : *covered;
      return Status::Ok();
    }
  }
  return Internal("unhandled area rule");
}

}  // namespace

void Install(http::Router& router, ApiContext& ctx, const std::vector<RouteSpec>& specs) {
  for (const RouteSpec& spec : specs) {
    if (spec.enabled && !spec.enabled(ctx)) continue;
    http::RouteOptions options = spec.options ? spec.options(ctx) : http::RouteOptions{};
    // Routes that take large bodies check the caller from the header, before the body.
    if (options.max_body_bytes > 0 && spec.access.kind != CallerKind::kPublic &&
        !options.check_header) {
      const Access access = spec.access;
      options.check_header = [&ctx, access](const http::Request& q) {
        Caller ignored;
        std::string challenge;
        return Admit(ctx, access, q, &ignored, &challenge);
      };
    }
    const Access access = spec.access;
    const ApiHandler handler = spec.handler;
    router.Add(
        spec.method, spec.pattern,
        [&ctx, access, handler](http::Request& req, http::Reply reply) {
          Caller caller;
          std::string challenge;
          Status s = Admit(ctx, access, req, &caller, &challenge);
          if (!s.ok()) {
            http::Response r = ErrorResponse(s);
            if (!challenge.empty()) r.headers.emplace_back("WWW-Authenticate", challenge);
            return reply(std::move(r));
          }
          handler(ctx, req, caller, [reply = std::move(reply)](Result<http::Response> r) {
            reply(r.ok() ? std::move(*r) : ErrorResponse(r.status()));
          });
        },
        std::move(options));
  }
}

}  // namespace centinela::api
