#pragma once
// Roles, area-scoped grants and the pure authorisation decision.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace centinela::auth {

//! kDeanonymise is not a job but a permission held over an area: seeing who filed an
//! anonymous report there (every such read is logged). It is not a staff role.
enum class Role { kNeighbour, kOperator, kResponder, kAnalyst, kAdmin, kDeanonymise };

//! "neighbour", "operator", "responder", "analyst", "admin", "deanonymise".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
//! Staff roles (operator, responder, analyst, admin) are the people who work cases.
inline bool IsStaffRole(Role r) { return r != Role::kNeighbour && r != Role::kDeanonymise; }
//! Roles always granted for an area: the staff roles and deanonymise.
inline bool IsAreaScopedRole(Role r) { return r != Role::kNeighbour; }

//! Area code meaning "every area" (the first admin, created without --area).
inline constexpr std::string_view kAllAreas = "*";

//! A role held over an area and, implicitly, all of that area's descendants.
//! Neighbours hold their role with an empty area_code.
struct Grant {
  Role role = Role::kNeighbour;
  std::string area_code;
  bool operator==(const Grant&) const = default;
};

//! The authenticated caller, as resolved from a bearer token.
struct Principal {
  std::string user_id;
  std::string email;
  std::string phone;
  std::string display_name;
  std::string locale;
  std::vector<Grant> grants;
  int64_t token_expires_ms = 0;
  //! The token came from a password-only sign-in of staff that must enrol a second factor
  //! first (auth.require_totp_for_staff): it may only enrol TOTP and log out.
  bool totp_enrollment_only = false;

  bool HasRole(Role role) const;
  bool IsStaff() const;
};

//! True when `p` holds one of `roles` over the area whose code and ancestors (nearest
//! first, root last) are `area_path`. A grant on any element of the path, or on kAllAreas,
//! covers the area. Pure.
bool Authorize(const Principal& p, const std::vector<Role>& roles,
               const std::vector<std::string>& area_path);
//! The first of p's grants that Authorize would accept, or nullptr (to record which grant a
//! request was authorised through). Pure; the pointer is into p.grants.
const Grant* CoveringGrant(const Principal& p, const std::vector<Role>& roles,
                           const std::vector<std::string>& area_path);
//! True when `p` holds one of `roles` over at least one area (for listings that are then
//! filtered by scope). Pure.
bool HoldsAny(const Principal& p, const std::vector<Role>& roles);

}  // namespace centinela::auth
