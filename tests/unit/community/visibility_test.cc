// Decide() over every combination of viewer role × sensitivity × anonymity × area
// (inside/outside) × membership × family share, generated programmatically and checked
// against the rules written independently below, plus hand-written expectations for the
// rows that matter most.
#include "community/visibility.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace centinela::community {
namespace {

using auth::Grant;
using auth::Role;

constexpr const char* kReporter = "u-reporter";
constexpr const char* kViewer = "u-viewer";
// The report's point lies in neighbourhood N1, inside sector S1, inside region R.
const std::vector<std::string> kReportAreas = {"R", "S1", "N1"};

enum class Who {
  kReporter,
  kNeighbour,
  kOperator,
  kResponder,
  kAnalyst,
  kAdmin,
  kAdminAll,
  kDeanonymiseOnly
};
const Who kAllWho[] = {Who::kReporter, Who::kNeighbour, Who::kOperator, Who::kResponder,
                       Who::kAnalyst,  Who::kAdmin,     Who::kAdminAll, Who::kDeanonymiseOnly};

const char* WhoName(Who w) {
  switch (w) {
    case Who::kReporter:
      return "reporter";
    case Who::kNeighbour:
      return "neighbour";
    case Who::kOperator:
      return "operator";
    case Who::kResponder:
      return "responder";
    case Who::kAnalyst:
      return "analyst";
    case Who::kAdmin:
      return "admin";
    case Who::kAdminAll:
      return "admin*";
    case Who::kDeanonymiseOnly:
      return "deanonymise-only";
  }
  return "?";
}

struct Case {
  Who who;
  Sensitivity sensitivity;
  bool anonymous;
  bool grant_inside;  // staff/deanonymise grant on S1 (inside) or S2 (outside)
  bool member;        // approved member of N1 (else of N2)
  bool family;        // viewer is in the reporter's accepted family
  bool shared;        // share_with_family on this report
  bool deanonymise;   // viewer also holds a deanonymise grant (same area as its staff grant)

  std::string Name() const {
    return std::string(WhoName(who)) + "/" + std::string(SensitivityName(sensitivity)) +
           (anonymous ? "/anon" : "/named") + (grant_inside ? "/in" : "/out") +
           (member ? "/member" : "/nonmember") + (family ? "/family" : "") +
           (shared ? "/shared" : "") + (deanonymise ? "/deanon" : "");
  }
};

Viewer MakeViewer(const Case& c) {
  Viewer v;
  v.user_id = c.who == Who::kReporter ? kReporter : kViewer;
  const std::string area = c.grant_inside ? "S1" : "S2";
  auto staff = [&](Role r) { v.grants.push_back(Grant{r, area}); };
  switch (c.who) {
    case Who::kReporter:
    case Who::kNeighbour:
      v.grants.push_back(Grant{Role::kNeighbour, ""});
      break;
    case Who::kOperator:
      staff(Role::kOperator);
      break;
    case Who::kResponder:
      staff(Role::kResponder);
      break;
    case Who::kAnalyst:
      staff(Role::kAnalyst);
      break;
    case Who::kAdmin:
      staff(Role::kAdmin);
      break;
    case Who::kAdminAll:
      v.grants.push_back(Grant{Role::kAdmin, "*"});
      break;
    case Who::kDeanonymiseOnly:
      break;
  }
  if (c.deanonymise || c.who == Who::kDeanonymiseOnly)
    v.grants.push_back(Grant{Role::kDeanonymise, c.who == Who::kAdminAll ? "*" : area});
  v.neighbourhoods = {c.member ? "N1" : "N2"};
  return v;
}

ReportFacts MakeFacts(const Case& c) {
  ReportFacts f;
  f.reporter_id = kReporter;
  f.sensitivity = c.sensitivity;
  f.anonymous = c.anonymous;
  f.share_with_family = c.shared;
  f.family_member_ids = {"u-someone-else"};
  if (c.family) f.family_member_ids.push_back(kViewer);
  f.areas = kReportAreas;
  return f;
}

// The rules of the issue, written as plainly as possible, independent of the code.
View Expected(const Case& c) {
  if (c.who == Who::kReporter) return {true, Location::kExact, true, false};
  bool staff = c.who == Who::kOperator || c.who == Who::kResponder || c.who == Who::kAnalyst ||
               c.who == Who::kAdmin || c.who == Who::kAdminAll;
  bool covers = c.who == Who::kAdminAll || c.grant_inside;
  if (staff && covers) {
    if (!c.anonymous) return {true, Location::kExact, true, false};
    if (c.deanonymise) return {true, Location::kExact, true, true};
    return {true, Location::kExact, false, false};
  }
  if (c.family && (c.sensitivity == Sensitivity::kPublic || c.shared))
    return {true, Location::kExact, true, false};
  if (c.sensitivity == Sensitivity::kPublic && c.member)
    return {true, Location::kCoarse, !c.anonymous, false};
  return {};
}

std::vector<Case> AllCases() {
  std::vector<Case> out;
  for (Who who : kAllWho)
    for (Sensitivity s : {Sensitivity::kPublic, Sensitivity::kRestricted})
      for (bool anon : {false, true})
        for (bool inside : {false, true})
          for (bool member : {false, true})
            for (bool family : {false, true})
              for (bool shared : {false, true})
                for (bool deanon : {false, true})
                  out.push_back({who, s, anon, inside, member, family, shared, deanon});
  return out;
}

TEST(Visibility, EveryCombinationFollowsTheRules) {
  std::vector<Case> cases = AllCases();
  ASSERT_EQ(cases.size(), 8u * 2 * 2 * 2 * 2 * 2 * 2 * 2);
  for (const Case& c : cases) {
    View got = Decide(MakeViewer(c), MakeFacts(c));
    View want = Expected(c);
    EXPECT_EQ(got.visible, want.visible) << c.Name();
    if (!want.visible) {
      EXPECT_FALSE(got.reporter_shown) << c.Name();
      EXPECT_FALSE(got.deanonymised_read_must_be_logged) << c.Name();
      continue;
    }
    EXPECT_EQ(got.location, want.location) << c.Name();
    EXPECT_EQ(got.reporter_shown, want.reporter_shown) << c.Name();
    EXPECT_EQ(got.deanonymised_read_must_be_logged, want.deanonymised_read_must_be_logged)
        << c.Name();
  }
}

// Invariants that must hold whatever the rules table says.
TEST(Visibility, InvariantsOverEveryCombination) {
  for (const Case& c : AllCases()) {
    View v = Decide(MakeViewer(c), MakeFacts(c));
    bool staff_or_self_or_chosen_family =
        c.who == Who::kReporter ||
        ((c.who != Who::kNeighbour && c.who != Who::kDeanonymiseOnly) &&
         (c.grant_inside || c.who == Who::kAdminAll)) ||
        (c.family && c.shared);
    // A restricted report never reaches the community.
    if (c.sensitivity == Sensitivity::kRestricted && v.visible) {
      EXPECT_TRUE(staff_or_self_or_chosen_family) << c.Name();
    }
    // An anonymous reporter is shown only to self, family, or through a logged deanonymise read.
    if (c.anonymous && v.reporter_shown) {
      EXPECT_TRUE(c.who == Who::kReporter || c.family || v.deanonymised_read_must_be_logged)
          << c.Name();
    }
    // Coarse location always goes with the community view.
    if (v.visible && v.location == Location::kCoarse) {
      EXPECT_EQ(c.sensitivity, Sensitivity::kPublic) << c.Name();
    }
  }
}

// NamePerson, the one rule for every field naming a person, over every combination: the
// reporter is named in a field about the report exactly where Decide shows the reporter
// (logged where Decide logs), whoever the field is (reporter, comment author, actor);
// anybody else is always named.
TEST(NamePerson, NamesTheReporterExactlyWhereTheReportDoes) {
  for (const Case& c : AllCases()) {
    const ReportFacts facts = MakeFacts(c);
    const View v = Decide(MakeViewer(c), facts);
    const Naming reporter = NamePerson(kReporter, facts, v);
    Naming want = Naming::kShown;
    if (c.anonymous && (!v.visible || !v.reporter_shown)) want = Naming::kHidden;
    if (c.anonymous && v.visible && v.reporter_shown && v.deanonymised_read_must_be_logged)
      want = Naming::kShownLogged;
    EXPECT_EQ(reporter, want) << c.Name();
    EXPECT_EQ(NamePerson("u-someone-else", facts, v), Naming::kShown) << c.Name();
    EXPECT_EQ(NamePerson("", facts, v), Naming::kShown) << c.Name();
    // Never named to a viewer without the right to know, never silently through a grant.
    if (c.anonymous && reporter != Naming::kHidden && c.who != Who::kReporter && !c.family) {
      EXPECT_EQ(reporter, Naming::kShownLogged) << c.Name();
    }
  }
  // Stricter of two is the larger.
  EXPECT_LT(Naming::kShown, Naming::kShownLogged);
  EXPECT_LT(Naming::kShownLogged, Naming::kHidden);
}

// Hand-written rows: the ones a reviewer checks first.
struct Row {
  Case c;
  View want;
};

TEST(Visibility, KeyRows) {
  const auto P = Sensitivity::kPublic;
  const auto X = Sensitivity::kRestricted;
  const View kHidden{};
  const Row rows[] = {
      // A neighbour of N1 sees a public named report, coarse, with the reporter.
      {{Who::kNeighbour, P, false, false, true, false, false, false},
       {true, Location::kCoarse, true, false}},
      // ... an anonymous one without the reporter.
      {{Who::kNeighbour, P, true, false, true, false, false, false},
       {true, Location::kCoarse, false, false}},
      // A neighbour elsewhere sees nothing.
      {{Who::kNeighbour, P, false, false, false, false, false, false}, kHidden},
      // A neighbour of N1 never sees a restricted report.
      {{Who::kNeighbour, X, false, false, true, false, false, false}, kHidden},
      // Family sees a restricted report only when the reporter shared it.
      {{Who::kNeighbour, X, true, false, true, true, false, false}, kHidden},
      {{Who::kNeighbour, X, true, false, false, true, true, false},
       {true, Location::kExact, true, false}},
      // Covering operator: exact, anonymous stays anonymous.
      {{Who::kOperator, X, true, true, false, false, false, false},
       {true, Location::kExact, false, false}},
      // ... unless it holds deanonymise over the point: shown and logged.
      {{Who::kOperator, X, true, true, false, false, false, true},
       {true, Location::kExact, true, true}},
      // Operator outside the area: nothing, even with deanonymise there.
      {{Who::kOperator, X, true, false, false, false, false, true}, kHidden},
      // Deanonymise alone is not a staff role.
      {{Who::kDeanonymiseOnly, X, true, true, false, false, false, true}, kHidden},
      // ... and as a member it gets the community view, reporter still hidden.
      {{Who::kDeanonymiseOnly, P, true, true, true, false, false, true},
       {true, Location::kCoarse, false, false}},
      // The all-areas admin sees everything, exact.
      {{Who::kAdminAll, X, false, false, false, false, false, false},
       {true, Location::kExact, true, false}},
      // The reporter always sees their own, fully.
      {{Who::kReporter, X, true, false, false, false, false, false},
       {true, Location::kExact, true, false}},
  };
  for (const Row& r : rows)
    EXPECT_EQ(Decide(MakeViewer(r.c), MakeFacts(r.c)), r.want) << r.c.Name();
}

TEST(Visibility, DeanonymiseIsAnAreaScopedPermissionNotAStaffRole) {
  EXPECT_EQ(auth::ParseRole("deanonymise"), Role::kDeanonymise);
  EXPECT_EQ(auth::RoleName(Role::kDeanonymise), "deanonymise");
  EXPECT_FALSE(auth::IsStaffRole(Role::kDeanonymise));
  EXPECT_TRUE(auth::IsAreaScopedRole(Role::kDeanonymise));
  auth::Principal p;
  p.grants = {Grant{Role::kDeanonymise, "S1"}};
  EXPECT_FALSE(p.IsStaff());
  EXPECT_TRUE(auth::HoldsAny(p, {Role::kDeanonymise}));
  EXPECT_FALSE(auth::HoldsAny(p, {Role::kOperator, Role::kAdmin}));
}

TEST(Visibility, AnonymousViewerWithNoIdSeesNothing) {
  ReportFacts f;
  f.reporter_id = "";
  f.areas = kReportAreas;
  EXPECT_FALSE(Decide(Viewer{}, f).visible);
}

TEST(Coarsen, SnapsToTheCentreOfA100MetreCell) {
  // Santiago: every point of a cell maps to the cell's centre.
  double lat = -33.49812, lon = -70.65134;
  const double clat = CoarsenLat(lat), clon = CoarsenLon(lat, lon);
  const double w = 0.001 / std::cos(clat * M_PI / 180.0);
  for (double dy : {-0.00049, 0.0, 0.00049})
    for (double dx : {-0.49 * w, 0.0, 0.49 * w}) {
      EXPECT_DOUBLE_EQ(CoarsenLat(clat + dy), clat);
      EXPECT_NEAR(CoarsenLon(clat + dy, clon + dx), clon, 1e-9);
    }
  EXPECT_NEAR(CoarsenLat(lat), lat, 0.0005 + 1e-12);
  // Longitude cells are wider than 0.001° by 1/cos(lat): about 111 m wide.
  double width = 0.001 / std::cos(CoarsenLat(lat) * M_PI / 180.0);
  EXPECT_NEAR(CoarsenLon(lat, lon), lon, width / 2 + 1e-12);
  EXPECT_NE(CoarsenLat(lat), lat);
  // Range ends stay in range.
  EXPECT_LE(CoarsenLat(90), 90);
  EXPECT_GE(CoarsenLon(0, -180), -180);
  EXPECT_LE(CoarsenLon(89.9999, 180), 180);
}

}  // namespace
}  // namespace centinela::community
