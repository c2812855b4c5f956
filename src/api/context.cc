#include "api/context.h"

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

std::optional<auth::Principal> Authenticate(ApiContext& ctx, const http::Request& req,
                                            const http::Reply& reply) {
  std::string token = BearerToken(req);
  if (token.empty()) {
    http::Response r = http::Response::Error(
        Code::kUnauthenticated, "missing bearer token (Authorization: Bearer <token>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    reply(std::move(r));
    return std::nullopt;
  }
  Result<auth::Principal> p = ctx.accounts.Authenticate(token);
  if (!p.ok()) {
    http::Response r = http::Response::Error(p.status());
    if (p.status().code() == Code::kUnauthenticated)
      r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    reply(std::move(r));
    return std::nullopt;
  }
  return std::move(p).value();
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
  return auth::Authorize(p, roles, path);
}

http::Response ErrorOr(const Status& s, http::Response ok) {
  return s.ok() ? std::move(ok) : http::Response::Error(s);
}

void AddAllRoutes(http::Router& r, ApiContext& ctx) {
  AddHealthRoutes(r, ctx);
  AddAuthRoutes(r, ctx);
  AddUserRoutes(r, ctx);
  AddAreaRoutes(r, ctx);
  AddReportRoutes(r, ctx);
  AddMediaRoutes(r, ctx);
  AddCommentRoutes(r, ctx);
  AddMembershipRoutes(r, ctx);
  AddFamilyRoutes(r, ctx);
  AddCrimeMapRoutes(r, ctx);
  AddAnalyticsRoutes(r, ctx);
  AddIncidentRoutes(r, ctx);
  AddUnitRoutes(r, ctx);
  AddPositionRoutes(r, ctx);
  AddBroadcastRoutes(r, ctx);
}

}  // namespace centinela::api
