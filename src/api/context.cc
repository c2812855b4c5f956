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

bool Covers(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
            const std::string& code) {
  std::vector<std::string> path = ctx.areas.Path(code);
  const auth::Grant* grant = auth::CoveringGrant(p, roles, path);
  if (grant != nullptr) ctx.accounts.NoteGrantUse(p, *grant);
  return grant != nullptr;
}

Status CoverArea(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
                 const std::string& code) {
  if (Covers(ctx, p, roles, code)) return Status::Ok();
  return PermissionDenied("your grants do not cover area '" + code + "'");
}

void AddAllRoutes(http::Router& r, ApiContext& ctx) {
  Install(r, ctx, ApiRoutes());
}

}  // namespace centinela::api
