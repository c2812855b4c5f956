#pragma once
// Incidents: the formal case a control room works (CAD). One starts from a neighbour's
// report (escalate) or from a 911 call; duplicates are suggested and merged; every change
// goes through the state machine (state.h) in one Store write with its timeline step, its
// response-time mark and its events:
//   incident.created / incident.step / incident.merged  scope "staff:area:<innermost>"
//                                                       ("admin" when outside every area)
//   report.step (public steps only, one per linked report) scope "report:<report id>", so
//   the stream shows it to whoever may see that report (community::Decide).
// Caller name and phone stay in the incidents table; no event carries them.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "areas/areas.h"
#include "auth/roles.h"
#include "common/status.h"
#include "community/categories.h"
#include "dispatch/state.h"
#include "store/inflight.h"
#include "store/store.h"

namespace centinela::dispatch {

inline constexpr size_t kMaxNoteBytes = 2000;
inline constexpr size_t kMaxCallerNameBytes = 100;
inline constexpr size_t kMaxCallerPhoneBytes = 32;
inline constexpr int kMaxIncidentPage = 200;
inline constexpr size_t kMaxMergeItems = 50;

struct Step {
  std::string id;
  std::string kind;
  bool is_public = false;
  std::string status;  //!< the incident's status after the step
  std::string note;
  std::string media_id;
  std::string actor_id;
  int64_t created_ms = 0;
};

struct Incident {
  std::string id;
  std::string category;
  std::string family;
  community::Sensitivity sensitivity = community::Sensitivity::kPublic;
  int priority = 3;
  IncidentStatus status = IncidentStatus::kNew;
  std::string outcome;
  std::string source;  //!< "report" or "call"
  double lat = 0, lon = 0;
  std::string address;
  std::string description;
  std::vector<std::string> areas;  //!< outermost first
  std::vector<std::string> agencies;
  std::string caller_name, caller_phone;
  std::string created_by;
  std::string merged_into;
  // Response-time marks (0 = not reached yet).
  int64_t received_ms = 0, acknowledged_ms = 0, dispatched_ms = 0, on_scene_ms = 0,
          closed_ms = 0;
  int64_t created_ms = 0, updated_ms = 0;
  std::vector<std::string> report_ids;
  std::vector<Step> steps;  //!< filled by Get
};

//! A 911 call as the call-taker types it.
struct NewCall {
  std::string category;
  double lat = 0, lon = 0;
  std::string address;
  std::string caller_name;
  std::string caller_phone;
  std::optional<int> priority;  //!< default: the category's
  std::string notes;
};

//! What a step carries besides its kind.
struct StepInput {
  std::string note;
  std::string media_id;
  std::optional<bool> is_public;  //!< default: DefaultPublic(kind)
};

struct IncidentOptions {
  double duplicate_radius_m = 300;           //!< incidents.duplicate_radius_m
  int64_t duplicate_window_ms = 3'600'000;   //!< incidents.duplicate_window_s
  std::string default_area;                  //!< reports.default_area
};

//! A suggested duplicate of an incident: another open incident or a report not yet part of
//! any incident, of the same category family, near in space and time.
struct Duplicate {
  std::string kind;  //!< "incident" or "report"
  std::string id;
  std::string category;
  double distance_m = 0;
  int64_t created_ms = 0;
};

struct IncidentFilter {
  std::string status;
  std::string area;
  int limit = 50;
  std::optional<std::pair<int64_t, std::string>> before;  //!< created_ms, id (cursor)
  //! Areas the caller's staff grants cover; empty with all_areas false lists nothing.
  std::vector<std::string> scope_areas;
  bool all_areas = false;
};

//! The public face of an incident for a report's readers.
struct PublicTimeline {
  std::string incident_id;
  std::string status;
  std::vector<Step> steps;  //!< public steps only, oldest first
};

//! Validates a call (category known and active, coordinates, caller fields, priority).
Status ValidateNewCall(const NewCall& c, const community::CategoryService& categories);
//! Validates a step's note and explicit kind (manual kinds only when `manual`).
Status ValidateStepInput(const StepInput& s);

//! Thread-safe. Callbacks run on the store's writer thread after the durable commit.
//! The incidents row `id` alone (report ids and steps not loaded), in the caller's write:
//! for units.cc, which moves an incident with its unit. nullopt when unknown.
Result<std::optional<Incident>> LoadIncidentRow(store::Tx& tx, const std::string& id);

//! A timeline step (incident_steps, owned by incidents.cc) that shows a media item.
struct StepShowingMedia {
  std::string incident_id;
  bool is_public = false;
  std::vector<std::string> incident_areas;
};
//! Every step showing `media_id`, with its incident's areas (who may fetch the media).
Result<std::vector<StepShowingMedia>> StepsShowingMedia(store::Store& store,
                                                        const std::string& media_id);
//! Ids of the reports an incident holds (incident_reports).
Result<std::vector<std::string>> ReportsOfIncident(store::Store& store,
                                                   const std::string& incident_id);

//! What response times are computed from: one incident that reached the scene.
struct ResponseRow {
  int priority = 3;
  std::vector<std::string> agencies;
  int64_t received_ms = 0, on_scene_ms = 0;
};
//! Incidents of `area` (incident_areas) received in [from_ms, to_ms) that reached the scene
//! and were not merged, at most `limit`.
Result<std::vector<ResponseRow>> ResponseRows(store::Store& store, const std::string& area,
                                              int64_t from_ms, int64_t to_ms, int64_t limit);

class IncidentService {
 public:
  IncidentService(store::Store& store, const areas::AreaService& areas,
                  const community::CategoryService& categories, IncidentOptions options);
  ~IncidentService();
  IncidentService(const IncidentService&) = delete;
  IncidentService& operator=(const IncidentService&) = delete;

  using Done = std::function<void(Result<Incident>)>;

  void CreateFromCall(NewCall call, std::string actor, Done done);
  //! 404 unknown report, 409 when the report already belongs to an incident.
  void Escalate(std::string report_id, std::optional<int> priority, std::string note,
                std::string actor, Done done);
  //! 404 unknown, 409 invalid transition (or a merged incident), 422 bad outcome/reason.
  void Transition(std::string id, TransitionRequest req, StepInput step, std::string actor,
                  Done done);
  //! A step that does not change the status (contacted, note).
  void AddStep(std::string id, std::string kind, StepInput step, std::string actor, Done done);
  //! Folds the given incidents (they close as "duplicate" with merged_into) and loose
  //! reports into `id`: one incident, one timeline.
  void Merge(std::string id, std::vector<std::string> incident_ids,
             std::vector<std::string> report_ids, std::string actor, Done done);

  //! The incident with its reports and every step; nullopt when unknown.
  Result<std::optional<Incident>> Get(const std::string& id);
  //! Newest first.
  Result<std::vector<Incident>> List(const IncidentFilter& f);
  Result<std::vector<Duplicate>> Duplicates(const Incident& incident);
  //! The public timeline of the incident a report belongs to, if any.
  Result<std::optional<PublicTimeline>> ForReport(const std::string& report_id);

  const IncidentOptions& options() const { return options_; }

  //! Used by dispatch (units.cc) inside its own write: moves `id` to `req.to` through the
  //! state machine, writing the step, marks and events. `*out` receives the updated row.
  static Status TransitionInTx(store::Tx& tx, const std::string& id,
                               const TransitionRequest& req, const StepInput& step,
                               const std::string& actor, Incident* out);
  //! Inside a caller's write: a step of `kind` that keeps the status (404 unknown, 409
  //! merged incident).
  static Status StepInTx(store::Tx& tx, const std::string& id, const std::string& kind,
                         const StepInput& step, const std::string& actor, Incident* out);

 private:
  void Finish(std::shared_ptr<Incident> incident, store::WriteFn fn, Done done);

  store::Store& store_;
  const areas::AreaService& areas_;
  const community::CategoryService& categories_;
  IncidentOptions options_;
  store::InflightWrites writes_;
};

//! Staff scope of an incident's events: "staff:area:<innermost>", or "admin".
std::string StaffScope(const std::vector<std::string>& areas);

}  // namespace centinela::dispatch
