#include "auth/roles.h"

#include <algorithm>
#include <string>
#include <utility>

namespace centinela::auth {

namespace {

using DC = DataClass;

bool Wanted(const std::vector<Role>& roles, Role r) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

bool Bars(const std::vector<DataClass>& never, DataClass c) {
  return std::find(never.begin(), never.end(), c) != never.end();
}

constexpr std::pair<TaskFamily, std::string_view> kFamilies[] = {
    {TaskFamily::kCrime, "crime"},         {TaskFamily::kEmergency, "emergency"},
    {TaskFamily::kViolence, "violence"},   {TaskFamily::kCityService, "city_service"},
    {TaskFamily::kLogistics, "logistics"}, {TaskFamily::kDisaster, "disaster"},
    {TaskFamily::kBorder, "border"},
};

bool IsSupportFamily(TaskFamily f) {
  return f == TaskFamily::kLogistics || f == TaskFamily::kDisaster || f == TaskFamily::kBorder;
}

const AgencySpec* FindAgency(std::string_view name) {
  for (const AgencySpec& a : AgencyTable())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace

std::string_view DataClassName(DataClass c) {
  switch (c) {
    case DC::kCaseReports:
      return "case_reports";
    case DC::kReporterIdentity:
      return "reporter_identity";
    case DC::kProtectionCases:
      return "protection_cases";
    case DC::kPlateHistory:
      return "plate_history";
    case DC::kFaces:
      return "faces";
  }
  return "unknown";
}

const std::vector<RoleSpec>& RoleTable() {
  // Who files an anonymous report is read only through a deanonymise grant; protection
  // cases, plate history and faces by the roles their modules add (protection monitor,
  // plate investigator), never by these.
  static const std::vector<RoleSpec> kRoles = {
      {Role::kNeighbour, "neighbour", RoleScope::kNone, false,
       {DC::kCaseReports, DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "anyone registered: reports, comments, their neighbourhood's coarse public view"},
      {Role::kOperator, "operator", RoleScope::kArea, true,
       {DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "command centre: the queue, incidents, units and dispatch of the areas covered"},
      {Role::kResponder, "responder", RoleScope::kArea, true,
       {DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "a unit's crew: its assignments and the public steps of its incidents"},
      {Role::kAnalyst, "analyst", RoleScope::kArea, true,
       {DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "crime map, hotspots, response times, adoption and the dark figure of the areas covered"},
      {Role::kAdmin, "admin", RoleScope::kArea, true,
       {DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "areas, categories, staff and grants of the areas covered"},
      {Role::kDeanonymise, "deanonymise", RoleScope::kArea, false,
       {DC::kCaseReports, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces},
       "a permission, not a job: who filed an anonymous report, each read logged"},
  };
  return kRoles;
}

const RoleSpec& SpecOf(Role role) {
  for (const RoleSpec& r : RoleTable())
    if (r.role == role) return r;
  return RoleTable().front();  // unreachable: every Role has a row (tested)
}

std::string_view RoleName(Role role) {
  for (const RoleSpec& r : RoleTable())
    if (r.role == role) return r.name;
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RoleSpec& r : RoleTable())
    if (r.name == name) return r.role;
  return std::nullopt;
}

bool IsStaffRole(Role r) { return SpecOf(r).staff; }
bool IsAreaScopedRole(Role r) { return SpecOf(r).scope == RoleScope::kArea; }
bool MayRead(Role r, DataClass c) { return !Bars(SpecOf(r).never_reads, c); }

std::string_view TaskFamilyName(TaskFamily f) {
  for (const auto& [family, name] : kFamilies)
    if (family == f) return name;
  return "unknown";
}

std::optional<TaskFamily> ParseTaskFamily(std::string_view name) {
  for (const auto& [family, n] : kFamilies)
    if (n == name) return family;
  return std::nullopt;
}

std::string TaskFamilyList() {
  std::string out;
  for (const auto& [family, name] : kFamilies) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

const std::vector<AgencySpec>& AgencyTable() {
  static const std::vector<AgencySpec> kAgencies = {
      {"police", false, {}},
      {"fire", false, {}},
      {"medical", false, {}},
      {"civil_protection", false, {}},
      {"municipal", false, {}},
      {"armed_forces", true, {DC::kCaseReports, DC::kReporterIdentity, DC::kProtectionCases, DC::kPlateHistory, DC::kFaces}},
  };
  return kAgencies;
}

bool IsKnownAgency(std::string_view agency) { return FindAgency(agency) != nullptr; }

std::string AgencyList() {
  std::string out;
  for (const AgencySpec& a : AgencyTable()) out += (out.empty() ? "" : ", ") + std::string(a.name);
  return out;
}

bool AgencyMayServe(std::string_view agency, std::string_view family) {
  const AgencySpec* a = FindAgency(agency);
  std::optional<TaskFamily> f = ParseTaskFamily(family);
  if (a == nullptr || !f) return false;
  return !a->support_only || IsSupportFamily(*f);
}

bool IsSupportOnlyAgency(std::string_view agency) {
  const AgencySpec* a = FindAgency(agency);
  return a != nullptr && a->support_only;
}

bool AgencyMayRead(std::string_view agency, DataClass c) {
  const AgencySpec* a = FindAgency(agency);
  return a != nullptr && !Bars(a->never_reads, c);
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

AreaScope ScopeOf(const Principal& p, const std::vector<Role>& roles) {
  AreaScope out;
  for (const Grant& g : p.grants) {
    if (!Wanted(roles, g.role) || g.area_code.empty()) continue;
    if (g.area_code == kAllAreas) out.all = true;
    out.areas.push_back(g.area_code);
  }
  return out;
}

}  // namespace centinela::auth
