#pragma once
// JSON shared by the command-centre handler files (incidents, units, positions,
// broadcasts) and the report detail's public timeline.

#include <optional>
#include <string>
#include <vector>

#include "api/context.h"
#include "api/json.h"
#include "dispatch/incidents.h"
#include "dispatch/units.h"

namespace centinela::api {

//! A number in plain decimal (Boost.JSON 1.81 would print -33.4 as -3.34E1).
json::value PlainNumber(RawJson& raw, double v);
json::array Strings(const std::vector<std::string>& v);
//! One timeline step; `with_actor` adds who wrote it (staff views only).
json::object StepJson(const dispatch::Step& s, bool with_actor);
//! The whole incident for staff: steps (public and internal), reports, caller, marks.
json::object IncidentJson(const dispatch::Incident& n, RawJson& raw);
//! {"incident_id","status","steps":[public steps]} for whoever may see the report, or
//! nullopt when the report belongs to no incident.
Result<std::optional<json::object>> PublicTimelineJson(ApiContext& ctx,
                                                       const std::string& report_id);
//! A handler of the command-centre files, and its registration.
using CommandHandler = void (*)(ApiContext&, http::Request&, http::Reply);
void AddCommandRoute(http::Router& r, ApiContext& ctx, const char* method, const char* pattern,
                     CommandHandler fn);
//! Roles that work incidents and units.
const std::vector<auth::Role>& ControlRoomRoles();
//! True when p holds one of `roles` over any of `areas` (or over "*" when `areas` is empty).
bool CoversAny(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
               const std::vector<std::string>& areas);
//! Areas covered by p's grants of `roles`; *all set when one of them is "*".
std::vector<std::string> ScopeAreas(const auth::Principal& p,
                                    const std::vector<auth::Role>& roles, bool* all);

}  // namespace centinela::api
