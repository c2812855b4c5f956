#include "auth/roles.h"

#include <gtest/gtest.h>

namespace centinela::auth {
namespace {

Principal WithGrants(std::vector<Grant> grants) {
  Principal p;
  p.user_id = "u";
  p.grants = std::move(grants);
  return p;
}

TEST(RolesTest, NamesRoundTrip) {
  for (Role r : {Role::kNeighbour, Role::kOperator, Role::kResponder, Role::kAnalyst, Role::kAdmin}) {
    std::optional<Role> parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.has_value()) << RoleName(r);
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(RoleName(Role::kNeighbour), "neighbour");
  EXPECT_FALSE(ParseRole("Admin").has_value());
  EXPECT_FALSE(ParseRole("").has_value());
  EXPECT_FALSE(ParseRole("superuser").has_value());
}

TEST(RolesTest, PrincipalHasRoleAndIsStaff) {
  Principal neighbour = WithGrants({{Role::kNeighbour, ""}});
  EXPECT_TRUE(neighbour.HasRole(Role::kNeighbour));
  EXPECT_FALSE(neighbour.HasRole(Role::kOperator));
  EXPECT_FALSE(neighbour.IsStaff());

  Principal op = WithGrants({{Role::kNeighbour, ""}, {Role::kOperator, "13130"}});
  EXPECT_TRUE(op.HasRole(Role::kOperator));
  EXPECT_TRUE(op.IsStaff());
  EXPECT_FALSE(Principal{}.IsStaff());
}

struct AuthorizeCase {
  const char* name;
  std::vector<Grant> grants;
  std::vector<Role> roles;
  std::vector<std::string> area_path;  // nearest first, root last
  bool want;
};

// Areas: region "13" > precinct "13130" > sectors "13130-1", "13130-2".
const std::vector<std::string> kSector1 = {"13130-1", "13130", "13"};
const std::vector<std::string> kSector2 = {"13130-2", "13130", "13"};
const std::vector<std::string> kPrecinct = {"13130", "13"};

TEST(RolesTest, AuthorizeTable) {
  const std::vector<AuthorizeCase> cases = {
      {"grant on the area itself", {{Role::kOperator, "13130-1"}}, {Role::kOperator}, kSector1, true},
      {"grant on parent covers child", {{Role::kOperator, "13130"}}, {Role::kOperator}, kSector1, true},
      {"grant on root covers grandchild", {{Role::kAnalyst, "13"}}, {Role::kAnalyst}, kSector2, true},
      {"grant on sibling does not cover", {{Role::kOperator, "13130-2"}}, {Role::kOperator}, kSector1, false},
      {"grant on child does not cover parent", {{Role::kOperator, "13130-1"}}, {Role::kOperator}, kPrecinct, false},
      {"all areas covers anything", {{Role::kAdmin, "*"}}, {Role::kAdmin}, kSector2, true},
      {"all areas covers an empty path", {{Role::kAdmin, "*"}}, {Role::kAdmin}, {}, true},
      {"all areas covers the all-areas check", {{Role::kAdmin, "*"}}, {Role::kAdmin}, {"*"}, true},
      {"area admin is not a global admin", {{Role::kAdmin, "13"}}, {Role::kAdmin}, {"*"}, false},
      {"wrong role", {{Role::kResponder, "13130"}}, {Role::kOperator}, kSector1, false},
      {"wrong role even on all areas", {{Role::kAnalyst, "*"}}, {Role::kOperator, Role::kAdmin}, kSector1, false},
      {"one of several roles", {{Role::kAnalyst, "13130"}}, {Role::kOperator, Role::kAnalyst}, kSector1, true},
      {"neighbour with no area covers nothing", {{Role::kNeighbour, ""}}, {Role::kNeighbour}, kSector1, false},
      {"empty grant area never matches empty path element", {{Role::kNeighbour, ""}}, {Role::kNeighbour}, {""}, false},
      {"no grants", {}, {Role::kOperator}, kSector1, false},
      {"no roles asked", {{Role::kOperator, "*"}}, {}, kSector1, false},
      {"second grant matches", {{Role::kOperator, "13130-2"}, {Role::kOperator, "13130-1"}}, {Role::kOperator}, kSector1, true},
  };
  for (const AuthorizeCase& c : cases) {
    Principal p = WithGrants(c.grants);
    EXPECT_EQ(Authorize(p, c.roles, c.area_path), c.want) << c.name;
  }
}

TEST(RolesTest, HoldsAny) {
  Principal p = WithGrants({{Role::kNeighbour, ""}, {Role::kResponder, "13130"}});
  EXPECT_TRUE(HoldsAny(p, {Role::kResponder}));
  EXPECT_TRUE(HoldsAny(p, {Role::kOperator, Role::kNeighbour}));
  EXPECT_FALSE(HoldsAny(p, {Role::kAdmin, Role::kAnalyst}));
  EXPECT_FALSE(HoldsAny(p, {}));
}

}  // namespace
}  // namespace centinela::auth

namespace centinela::auth {
namespace {

TEST(RolesTest, ScopeOfKeepsTheAreasOfTheWantedRoles) {
  const std::vector<Role> control = {Role::kOperator, Role::kAdmin};
  struct Case {
    std::vector<Grant> grants;
    AreaScope want;
  };
  const Case cases[] = {
      {{}, {false, {}}},
      {{{Role::kNeighbour, ""}}, {false, {}}},
      {{{Role::kOperator, "13130"}, {Role::kAnalyst, "13131"}}, {false, {"13130"}}},
      {{{Role::kOperator, "13130"}, {Role::kAdmin, "SUR"}}, {false, {"13130", "SUR"}}},
      {{{Role::kAdmin, "*"}, {Role::kOperator, "13130"}}, {true, {"*", "13130"}}},
      {{{Role::kAnalyst, "*"}}, {false, {}}},
  };
  for (const Case& c : cases) EXPECT_EQ(ScopeOf(WithGrants(c.grants), control), c.want);
}

TEST(RoleTableTest, EveryRoleHasOneRowInOrder) {
  const std::vector<Role> all = {Role::kNeighbour, Role::kOperator, Role::kResponder,
                                 Role::kAnalyst, Role::kAdmin, Role::kDeanonymise};
  ASSERT_EQ(RoleTable().size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(RoleTable()[i].role, all[i]);
    EXPECT_EQ(&SpecOf(all[i]), &RoleTable()[i]);
    EXPECT_FALSE(RoleTable()[i].summary.empty());
  }
  EXPECT_EQ(SpecOf(Role::kNeighbour).scope, RoleScope::kNone);
  EXPECT_FALSE(IsAreaScopedRole(Role::kNeighbour));
  EXPECT_TRUE(IsAreaScopedRole(Role::kDeanonymise));
  EXPECT_FALSE(IsStaffRole(Role::kDeanonymise));
  EXPECT_TRUE(IsStaffRole(Role::kAnalyst));
}

TEST(RoleTableTest, WhatEachRoleMayNeverRead) {
  // Who filed an anonymous report: only a deanonymise grant, never a job role.
  for (Role r : {Role::kNeighbour, Role::kOperator, Role::kResponder, Role::kAnalyst, Role::kAdmin})
    EXPECT_FALSE(MayRead(r, DataClass::kReporterIdentity)) << RoleName(r);
  EXPECT_TRUE(MayRead(Role::kDeanonymise, DataClass::kReporterIdentity));
  // Case reports: staff only; a deanonymise grant alone shows no report.
  EXPECT_FALSE(MayRead(Role::kNeighbour, DataClass::kCaseReports));
  EXPECT_FALSE(MayRead(Role::kDeanonymise, DataClass::kCaseReports));
  for (Role r : {Role::kOperator, Role::kResponder, Role::kAnalyst, Role::kAdmin})
    EXPECT_TRUE(MayRead(r, DataClass::kCaseReports)) << RoleName(r);
  // Protection cases, plate history and faces belong to the roles their modules add.
  for (const RoleSpec& spec : RoleTable())
    for (DataClass c : {DataClass::kProtectionCases, DataClass::kPlateHistory, DataClass::kFaces})
      EXPECT_FALSE(MayRead(spec.role, c)) << spec.name << " " << DataClassName(c);
}

TEST(AgencyTableTest, ArmedForcesTakeSupportTasksOnly) {
  EXPECT_TRUE(IsKnownAgency("armed_forces"));
  EXPECT_TRUE(IsSupportOnlyAgency("armed_forces"));
  for (std::string_view f : {"logistics", "disaster", "border"})
    EXPECT_TRUE(AgencyMayServe("armed_forces", f)) << f;
  for (std::string_view f : {"crime", "emergency", "violence", "city_service"})
    EXPECT_FALSE(AgencyMayServe("armed_forces", f)) << f;
  for (DataClass c : {DataClass::kCaseReports, DataClass::kReporterIdentity,
                      DataClass::kProtectionCases, DataClass::kPlateHistory, DataClass::kFaces})
    EXPECT_FALSE(AgencyMayRead("armed_forces", c)) << DataClassName(c);
  // The other agencies serve every family, support included.
  for (std::string_view a : {"police", "fire", "medical", "civil_protection", "municipal"}) {
    EXPECT_FALSE(IsSupportOnlyAgency(a)) << a;
    for (std::string_view f : {"crime", "violence", "disaster", "logistics"})
      EXPECT_TRUE(AgencyMayServe(a, f)) << a << " " << f;
    EXPECT_TRUE(AgencyMayRead(a, DataClass::kCaseReports)) << a;
  }
  EXPECT_FALSE(AgencyMayServe("navy", "disaster"));
  EXPECT_FALSE(AgencyMayServe("police", "parking"));
  EXPECT_FALSE(IsKnownAgency("Police"));
  EXPECT_EQ(TaskFamilyList(), "crime, emergency, violence, city_service, logistics, disaster, border");
}

}  // namespace
}  // namespace centinela::auth
