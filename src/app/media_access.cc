#include "app/media_access.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <string>

#include "auth/roles.h"
#include "community/json_list.h"

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
    auto listed = store.Query("SELECT report_id FROM report_media WHERE media_id = $1", {media_id});
    if (!listed.ok()) return fail(listed.status());
    auto steps = store.Query(
        "SELECT s.visibility, s.incident_id, i.areas FROM incident_steps s JOIN incidents i ON "
        "i.id = s.incident_id WHERE s.media_id = $1",
        {media_id});
    if (!steps.ok()) return fail(steps.status());
    if (listed->empty() && steps->empty()) return false;

    // Every report involved, decided for the caller in one query: those listing the media
    // and those of the incidents whose steps show it.
    std::vector<std::string> ids;
    for (size_t i = 0; i < listed->size(); ++i) ids.push_back(listed->Text(i, "report_id"));
    std::map<std::string, std::vector<std::string>> incident_reports;
    for (size_t i = 0; i < steps->size(); ++i) {
      const std::string incident = steps->Text(i, "incident_id");
      if (incident_reports.count(incident)) continue;
      auto linked =
          store.Query("SELECT report_id FROM incident_reports WHERE incident_id = $1", {incident});
      if (!linked.ok()) return fail(linked.status());
      auto& list = incident_reports[incident];
      for (size_t j = 0; j < linked->size(); ++j) {
        list.push_back(linked->Text(j, "report_id"));
        ids.push_back(list.back());
      }
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
    for (size_t i = 0; i < listed->size(); ++i) {
      const community::VisibleReport* r = find(listed->Text(i, "report_id"));
      uses.push_back(r ? ReportUse(r->view.visible, StaffCovers(p, areas, r->report.areas))
                       : MediaGrant::kNothing);
    }
    for (size_t i = 0; i < steps->size(); ++i) {
      bool sees_a_report = false;
      for (const std::string& id : incident_reports[steps->Text(i, "incident_id")]) {
        const community::VisibleReport* r = find(id);
        sees_a_report = sees_a_report || (r && r->view.visible);
      }
      const bool staff =
          StaffCovers(p, areas, community::ParseJsonStringList(steps->Text(i, "areas")));
      uses.push_back(StepUse(steps->Text(i, "visibility") == "public", staff, sees_a_report));
    }
    const MediaGrant grant = MostRestrictive(uses);
    if (grant == MediaGrant::kNothing) return false;
    *original = grant == MediaGrant::kOriginal;
    return true;
  };
}

}  // namespace centinela::app
