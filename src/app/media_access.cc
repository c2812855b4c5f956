#include "app/media_access.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <string>

#include "auth/roles.h"
#include "community/report_rows.h"
#include "dispatch/incidents.h"

namespace centinela::app {

namespace {

const std::vector<auth::Role>& StaffRoles() {
  static const std::vector<auth::Role> kStaff = {auth::Role::kOperator, auth::Role::kResponder,
                                                 auth::Role::kAnalyst, auth::Role::kAdmin};
  return kStaff;
}

// True when a staff grant of `p` covers one of `codes` (each with its ancestors as the area
// tree has them now).
bool StaffCovers(const auth::Principal& p, const areas::AreaService& areas,
                 const std::vector<std::string>& codes) {
  if (codes.empty()) return auth::Authorize(p, StaffRoles(), {std::string(auth::kAllAreas)});
  for (const std::string& code : codes)
    if (auth::Authorize(p, StaffRoles(), areas.Path(code))) return true;
  return false;
}

}  // namespace

MediaGrant ReportUse(bool visible, bool staff) {
  if (!visible) return MediaGrant::kNothing;
  return staff ? MediaGrant::kOriginal : MediaGrant::kStripped;
}

MediaGrant StepUse(bool is_public, bool staff, bool sees_a_report) {
  if (staff) return MediaGrant::kOriginal;
  return is_public && sees_a_report ? MediaGrant::kStripped : MediaGrant::kNothing;
}

MediaGrant MostRestrictive(const std::vector<MediaGrant>& uses) {
  if (uses.empty()) return MediaGrant::kNothing;
  return *std::max_element(uses.begin(), uses.end());
}

media::MediaAccess ReportMediaAccess(store::Store& store, const areas::AreaService& areas,
                                     community::ReportService& reports) {
  return [&store, &areas, &reports](const auth::Principal& p, const std::string& media_id,
                                    bool* original) {
    auto fail = [&media_id](const Status& s) {
      spdlog::warn("media: access check for {} failed: {}", media_id, s.message());
      return false;
    };
    auto listed = community::ReportsListingMedia(store, media_id);
    if (!listed.ok()) return fail(listed.status());
    auto steps = dispatch::StepsShowingMedia(store, media_id);
    if (!steps.ok()) return fail(steps.status());
    if (listed->empty() && steps->empty()) return false;

    // Every report involved, decided for the caller in one query: those listing the media
    // and those of the incidents whose steps show it.
    std::vector<std::string> ids = *listed;
    std::map<std::string, std::vector<std::string>> incident_reports;
    for (const dispatch::StepShowingMedia& step : *steps) {
      if (incident_reports.count(step.incident_id)) continue;
      auto linked = dispatch::ReportsOfIncident(store, step.incident_id);
      if (!linked.ok()) return fail(linked.status());
      ids.insert(ids.end(), linked->begin(), linked->end());
      incident_reports[step.incident_id] = std::move(*linked);
    }
    auto viewer = reports.ViewerFor(p);
    if (!viewer.ok()) return fail(viewer.status());
    auto decided = reports.Decided(*viewer, ids);
    if (!decided.ok()) return fail(decided.status());
    auto find = [&decided](const std::string& id) -> const community::VisibleReport* {
      for (const community::VisibleReport& r : *decided)
        if (r.report.id == id) return &r;
      return nullptr;
    };

    std::vector<MediaGrant> uses;
    for (const std::string& id : *listed) {
      const community::VisibleReport* r = find(id);
      uses.push_back(r ? ReportUse(r->view.visible, StaffCovers(p, areas, r->report.areas))
                       : MediaGrant::kNothing);
    }
    for (const dispatch::StepShowingMedia& step : *steps) {
      bool sees_a_report = false;
      for (const std::string& id : incident_reports[step.incident_id]) {
        const community::VisibleReport* r = find(id);
        sees_a_report = sees_a_report || (r && r->view.visible);
      }
      const bool staff = StaffCovers(p, areas, step.incident_areas);
      uses.push_back(StepUse(step.is_public, staff, sees_a_report));
    }
    const MediaGrant grant = MostRestrictive(uses);
    if (grant == MediaGrant::kNothing) return false;
    *original = grant == MediaGrant::kOriginal;
    return true;
  };
}

}  // namespace centinela::app
