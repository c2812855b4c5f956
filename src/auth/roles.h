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

//! The classes of data a role may be barred from whatever its grants: the table below says,
//! for each role (and each agency kind), which it may never read. The modules that hold
//! such data ask MayRead before answering.
enum class DataClass {
  kCaseReports,       //!< reports and incidents with exact place, restricted ones included
  kReporterIdentity,  //!< who filed an anonymous report
  kProtectionCases,   //!< gender-violence protection cases, panic buttons, exclusion zones
  kPlateHistory,      //!< licence-plate reads and searches
  kFaces,             //!< face images and face searches from cameras
};
std::string_view DataClassName(DataClass c);

//! How a role is held.
enum class RoleScope {
  kNone,  //!< held without an area (neighbour: everyone who registers)
  kArea,  //!< granted over an area and its descendants (or '*')
};

//! One row of the role table: the whole definition of a role. A new role is a row here
//! (plus tests), not a new check in handlers.
struct RoleSpec {
  Role role;
  std::string_view name;
  RoleScope scope;
  bool staff;  //!< works cases (sees the case reports of the areas it covers)
  std::vector<DataClass> never_reads;
  std::string_view summary;
};
//! Every role, in Role order.
const std::vector<RoleSpec>& RoleTable();
const RoleSpec& SpecOf(Role role);

//! "neighbour", "operator", "responder", "analyst", "admin", "deanonymise".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
//! Staff roles (operator, responder, analyst, admin) are the people who work cases.
bool IsStaffRole(Role r);
//! Roles granted for an area: the staff roles and deanonymise.
bool IsAreaScopedRole(Role r);
//! False when the role's row bars it from `c`. Reading also needs a grant covering the data's
//! area; this is the bar no grant lifts.
bool MayRead(Role r, DataClass c);

//! The families of tasks (report categories, incidents). Support families are the only ones
//! a support-only agency may be given.
enum class TaskFamily {
  kCrime, kEmergency, kViolence, kCityService,  // the case families
  kLogistics, kDisaster, kBorder,               // support
};
std::string_view TaskFamilyName(TaskFamily f);
std::optional<TaskFamily> ParseTaskFamily(std::string_view name);
//! "crime, emergency, violence, city_service, logistics, disaster, border".
std::string TaskFamilyList();

//! One row of the agency table: an agency kind that areas are covered by, categories route
//! to and units belong to.
struct AgencySpec {
  std::string_view name;
  //! Given support tasks only (logistics, disaster, border): never crime incidents, plate or
  //! face searches or protection cases. The armed forces (Argentina's law bars them from
  //! internal security).
  bool support_only;
  std::vector<DataClass> never_reads;
};
const std::vector<AgencySpec>& AgencyTable();
bool IsKnownAgency(std::string_view agency);
//! "police, fire, medical, civil_protection, municipal, armed_forces".
std::string AgencyList();
//! True when an agency may be given a task of `family` (a known agency; a support-only one
//! only support families). Unknown agency or family: false.
bool AgencyMayServe(std::string_view agency, std::string_view family);
//! True for a support-only agency (armed_forces).
bool IsSupportOnlyAgency(std::string_view agency);
//! False when the agency's row bars its people and units from `c`.
bool AgencyMayRead(std::string_view agency, DataClass c);

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

//! Where `p` may read through `roles`, for listings narrowed by scope: every area (`all`)
//! when one such grant is on kAllAreas, else the areas of those grants (each covering its
//! descendants), in grant order. Grants of other roles and grants without an area (a
//! neighbour's) count for nothing.
struct AreaScope {
  bool all = false;
  std::vector<std::string> areas;  //!< also lists kAllAreas when `all`
  bool operator==(const AreaScope&) const = default;
};
//! The one derivation of an AreaScope from grants. Pure.
AreaScope ScopeOf(const Principal& p, const std::vector<Role>& roles);

}  // namespace centinela::auth
