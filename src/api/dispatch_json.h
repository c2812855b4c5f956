#pragma once
// JSON shared by the command-centre handler files (incidents, units, positions,
// broadcasts) and the report detail's public timeline.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/attribution.h"
#include "api/context.h"
#include "api/json.h"
#include "api/route.h"
#include "community/reports.h"
#include "dispatch/incidents.h"
#include "dispatch/units.h"

namespace centinela::api {

//! A number in plain decimal (Boost.JSON 1.81 would print -33.4 as -3.34E1).
json::value PlainNumber(RawJson& raw, double v);
json::array Strings(const std::vector<std::string>& v);
//! One timeline step as its public readers see it (no actor).
json::object StepJson(const dispatch::Step& s);
//! The whole incident for staff: steps (public and internal, with `public` and `actor_id`),
//! reports, caller, marks. `reports` are the incident's reports as the caller sees them
//! (ReportsOf): who escalated it and who wrote each step are named as `who` decides against
//! them, so the anonymous reporter of one of them is never named by acting on it.
json::object IncidentJson(const dispatch::Incident& n,
                          const std::vector<community::VisibleReport>& reports, RawJson& raw,
                          Attribution& who);
//! The reports of the incidents `ns` as `p` sees them (community::Decide), in one query.
Result<std::vector<community::VisibleReport>> ReportsOf(
    ApiContext& ctx, const auth::Principal& p, const std::vector<const dispatch::Incident*>& ns);
//! Those of `all` that belong to `n`.
std::vector<community::VisibleReport> OwnReports(const dispatch::Incident& n,
                                                 const std::vector<community::VisibleReport>& all);
//! Answers with the incident for `p` (IncidentJson, `extra` adding fields) once the
//! deanonymised reads it makes are logged.
void ReplyIncident(ApiContext& ctx, const auth::Principal& p, int status,
                   const dispatch::Incident& n, const Respond& respond,
                   const std::function<void(json::object&)>& extra);
//! {"incident_id","status","steps":[public steps]} for whoever may see the report, or
//! nullopt when the report belongs to no incident.
Result<std::optional<json::object>> PublicTimelineJson(ApiContext& ctx,
                                                       const std::string& report_id);
//! Roles that work incidents and units.
const std::vector<auth::Role>& ControlRoomRoles();
//! True when p holds one of `roles` over any of `areas` (or over "*" when `areas` is empty).
bool CoversAny(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
               const std::vector<std::string>& areas);
//! Areas covered by p's grants of `roles`; *all set when one of them is "*".
std::vector<std::string> ScopeAreas(const auth::Principal& p, const std::vector<auth::Role>& roles,
                                    bool* all);

}  // namespace centinela::api
