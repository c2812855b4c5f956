#include "api/context.h"
#include "api/route.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <functional>

namespace centinela::api {

std::string BearerToken(const http::Request& req) {
  std::string_view h = req.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size()) return {};
  for (size_t i = 0; i < kPrefix.size() - 1; ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i])))
      return {};
  }
  if (h[kPrefix.size() - 1] != ' ') return {};
  std::string_view token = h.substr(kPrefix.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return std::string(token);
}

http::Response AuthErrorResponse(const Status& s) {
  http::Response r = http::Response::Error(s);
  if (std::string_view code = auth::SecondFactorCode(s); !code.empty()) {
    boost::json::object error{{"code", code}, {"message", s.message()}};
    r.body = boost::json::serialize(boost::json::object{{"error", std::move(error)}});
  }
  return r;
}

namespace {

std::optional<auth::Principal> AuthenticateWith(
    const http::Request& req, const http::Reply& reply,
    const std::function<Result<auth::Principal>(const std::string&)>& resolve) {
  std::string token = BearerToken(req);
  if (token.empty()) {
    http::Response r = http::Response::Error(
        Code::kUnauthenticated, "missing bearer token (Authorization: Bearer <token>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    reply(std::move(r));
    return std::nullopt;
  }
  Result<auth::Principal> p = resolve(token);
  if (!p.ok()) {
    http::Response r = AuthErrorResponse(p.status());
    if (p.status().code() == Code::kUnauthenticated)
      r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    reply(std::move(r));
    return std::nullopt;
  }
  return std::move(p).value();
}

}  // namespace

std::optional<auth::Principal> Authenticate(ApiContext& ctx, const http::Request& req,
                                            const http::Reply& reply) {
  return AuthenticateWith(req, reply,
                          [&ctx](const std::string& t) { return ctx.accounts.Authenticate(t); });
}

std::optional<auth::Principal> AuthenticateForTotpEnrollment(ApiContext& ctx,
                                                             const http::Request& req,
                                                             const http::Reply& reply) {
  return AuthenticateWith(req, reply, [&ctx](const std::string& t) {
    return ctx.accounts.AuthenticateForTotpEnrollment(t);
  });
}

std::optional<auth::Principal> RequireRole(ApiContext& ctx, const http::Request& req,
                                           const http::Reply& reply,
                                           const std::vector<auth::Role>& roles) {
  auto p = Authenticate(ctx, req, reply);
  if (!p) return std::nullopt;
  if (!auth::HoldsAny(*p, roles)) {
    std::string names;
    for (auth::Role r : roles) names += (names.empty() ? "" : ", ") + std::string(auth::RoleName(r));
    reply(http::Response::Error(Code::kPermissionDenied, "this action needs the role: " + names));
    return std::nullopt;
  }
  return p;
}

bool Covers(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
            const std::string& code) {
  std::vector<std::string> path = ctx.areas.Path(code);
  const auth::Grant* grant = auth::CoveringGrant(p, roles, path);
  if (grant != nullptr) ctx.accounts.NoteGrantUse(p, *grant);
  return grant != nullptr;
}

http::Response ErrorOr(const Status& s, http::Response ok) {
  return s.ok() ? std::move(ok) : http::Response::Error(s);
}

void AddAllRoutes(http::Router& r, ApiContext& ctx) {
  Install(r, ctx, ApiRoutes());
  AddAuthRoutes(r, ctx);
  AddUserRoutes(r, ctx);
  AddAreaRoutes(r, ctx);
  AddReportRoutes(r, ctx);
  AddMediaRoutes(r, ctx);
  AddCommentRoutes(r, ctx);
  AddMembershipRoutes(r, ctx);
}

}  // namespace centinela::api
