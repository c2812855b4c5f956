#include "community/visibility.h"

#include <algorithm>
#include <cmath>

namespace centinela::community {

namespace {

constexpr double kCellDegrees = 0.001;

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// True when one of the viewer's grants for a role accepted by `pred` covers the report.
template <typename Pred>
bool Covered(const Viewer& v, const ReportFacts& f, Pred pred) {
  for (const auth::Grant& g : v.grants) {
    if (!pred(g.role) || g.area_code.empty()) continue;
    if (g.area_code == auth::kAllAreas || Contains(f.areas, g.area_code)) return true;
  }
  return false;
}

}  // namespace

View Decide(const Viewer& viewer, const ReportFacts& facts) {
  View out;
  if (!viewer.user_id.empty() && viewer.user_id == facts.reporter_id) {
    out.visible = true;
    out.location = Location::kExact;
    out.reporter_shown = true;
    return out;
  }
  // The role table says who reads case reports (staff) and who anonymous reporters are
  // (a deanonymise grant): auth::RoleTable().
  if (Covered(viewer, facts, [](auth::Role r) { return auth::MayRead(r, auth::DataClass::kCaseReports); })) {
    out.visible = true;
    out.location = Location::kExact;
    if (!facts.anonymous) {
      out.reporter_shown = true;
    } else if (Covered(viewer, facts, [](auth::Role r) {
                 return auth::MayRead(r, auth::DataClass::kReporterIdentity);
               })) {
      out.reporter_shown = true;
      out.deanonymised_read_must_be_logged = true;
    }
    return out;
  }
  const bool is_family =
      !viewer.user_id.empty() && Contains(facts.family_member_ids, viewer.user_id);
  if (is_family && (facts.sensitivity == Sensitivity::kPublic || facts.share_with_family)) {
    out.visible = true;
    out.location = Location::kExact;
    out.reporter_shown = true;
    return out;
  }
  if (facts.sensitivity == Sensitivity::kPublic &&
      std::any_of(viewer.neighbourhoods.begin(), viewer.neighbourhoods.end(),
                  [&facts](const std::string& n) { return Contains(facts.areas, n); })) {
    out.visible = true;
    out.location = Location::kCoarse;
    out.reporter_shown = !facts.anonymous;
    return out;
  }
  return View{};
}

Naming NamePerson(const std::string& person_id, const ReportFacts& facts, const View& view) {
  if (person_id.empty() || !facts.anonymous || person_id != facts.reporter_id)
    return Naming::kShown;
  if (!view.visible || !view.reporter_shown) return Naming::kHidden;
  return view.deanonymised_read_must_be_logged ? Naming::kShownLogged : Naming::kShown;
}

double CoarsenLat(double lat) {
  double cell = std::floor(lat / kCellDegrees);
  return std::clamp((cell + 0.5) * kCellDegrees, -90.0, 90.0);
}

double CoarsenLon(double lat, double lon) {
  // The longitude cell width depends only on the latitude cell, so the whole cell shares it.
  double c = std::cos(CoarsenLat(lat) * M_PI / 180.0);
  double width = kCellDegrees / std::max(c, 0.01);
  double cell = std::floor((lon + 180.0) / width);
  return std::clamp((cell + 0.5) * width - 180.0, -180.0, 180.0);
}

}  // namespace centinela::community
