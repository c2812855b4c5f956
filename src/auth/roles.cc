#include "auth/roles.h"

#include <algorithm>
#include <array>
#include <utility>

namespace centinela::auth {

namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames = {{
    {Role::kNeighbour, "neighbour"},
    {Role::kOperator, "operator"},
    {Role::kResponder, "responder"},
    {Role::kAnalyst, "analyst"},
    {Role::kAdmin, "admin"},
    {Role::kDeanonymise, "deanonymise"},
}};

bool Wanted(const std::vector<Role>& roles, Role r) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames)
    if (r == role) return name;
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kRoleNames)
    if (n == name) return r;
  return std::nullopt;
}

bool Principal::HasRole(Role role) const {
  return std::any_of(grants.begin(), grants.end(), [role](const Grant& g) { return g.role == role; });
}

bool Principal::IsStaff() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) { return IsStaffRole(g.role); });
}

const Grant* CoveringGrant(const Principal& p, const std::vector<Role>& roles,
                           const std::vector<std::string>& area_path) {
  for (const Grant& g : p.grants) {
    if (!Wanted(roles, g.role)) continue;
    // A grant with no area (a neighbour's) covers no area: area checks are for staff scope.
    if (g.area_code.empty()) continue;
    if (g.area_code == kAllAreas) return &g;
    if (std::find(area_path.begin(), area_path.end(), g.area_code) != area_path.end()) return &g;
  }
  return nullptr;
}

bool Authorize(const Principal& p, const std::vector<Role>& roles,
               const std::vector<std::string>& area_path) {
  return CoveringGrant(p, roles, area_path) != nullptr;
}

bool HoldsAny(const Principal& p, const std::vector<Role>& roles) {
  return std::any_of(p.grants.begin(), p.grants.end(),
                     [&roles](const Grant& g) { return Wanted(roles, g.role); });
}

}  // namespace centinela::auth
