#include "auth/access_review.h"

#include <spdlog/spdlog.h>

namespace centinela::auth {

Result<std::vector<GrantReview>> UnusedGrants(store::Store& store, int64_t cutoff_ms) {
  Result<store::Rows> r = store.Query(
      "SELECT g.user_id AS user_id, u.email AS email, u.phone AS phone, "
      "u.display_name AS display_name, u.disabled AS disabled, g.role AS role, "
      "g.area_code AS area_code, g.created_ms AS created_ms, g.last_used_ms AS last_used_ms, "
      "u.last_login_ms AS last_login_ms FROM grants g JOIN users u ON u.id = g.user_id "
      "WHERE g.role <> 'neighbour' AND g.created_ms < $1 "
      "AND (g.last_used_ms IS NULL OR g.last_used_ms < $1) "
      "ORDER BY coalesce(u.email, u.phone), g.user_id, g.role, g.area_code",
      {cutoff_ms});
  if (!r.ok()) {
    spdlog::error("auth: access review query failed: {}", r.status().ToString());
    return Unavailable("account storage is unavailable");
  }
  std::vector<GrantReview> out;
  for (size_t i = 0; i < r->size(); ++i) {
    std::optional<Role> role = ParseRole(r->Text(i, "role"));
    if (!role) continue;
    GrantReview g;
    g.user_id = r->Text(i, "user_id");
    g.email = r->Text(i, "email");
    g.phone = r->Text(i, "phone");
    g.display_name = r->Text(i, "display_name");
    g.disabled = r->Int(i, "disabled") != 0;
    g.grant = Grant{*role, r->Text(i, "area_code")};
    g.granted_ms = r->Int(i, "created_ms");
    if (!r->Null(i, "last_used_ms")) g.last_used_ms = r->Int(i, "last_used_ms");
    if (!r->Null(i, "last_login_ms")) g.last_login_ms = r->Int(i, "last_login_ms");
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace centinela::auth
