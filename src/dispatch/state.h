#pragma once
// The incident state machine and the timeline vocabulary. Pure: no clock, no store.
//
//   new -> acknowledged -> dispatched -> en_route -> on_scene -> resolved -> closed
//
// plus two shortcuts and one way back:
//   - new | acknowledged -> closed   (false alarm, referred, no finding: nothing to send)
//   - closed | resolved -> acknowledged ("reopen", a reason is required)
// Closing always needs an outcome code. Anything else, including a status to itself, is
// refused (the API answers 409).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace centinela::dispatch {

enum class IncidentStatus {
  kNew,
  kAcknowledged,
  kDispatched,
  kEnRoute,
  kOnScene,
  kResolved,
  kClosed,
};

//! "new", "acknowledged", "dispatched", "en_route", "on_scene", "resolved", "closed".
std::string_view StatusName(IncidentStatus s);
std::optional<IncidentStatus> ParseStatus(std::string_view name);
//! Every status in lifecycle order.
const std::vector<IncidentStatus>& AllStatuses();

//! Outcome codes a closed incident carries.
const std::vector<std::string>& OutcomeCodes();
bool IsOutcome(std::string_view code);

//! What the caller asks for besides the target status.
struct TransitionRequest {
  IncidentStatus to = IncidentStatus::kAcknowledged;
  std::string outcome;  //!< required when `to` is closed; must be empty otherwise
  std::string reason;   //!< required for a reopen (closed|resolved -> acknowledged)
};

//! True when the arrow from -> to exists in the machine (outcome/reason not considered).
bool TransitionExists(IncidentStatus from, IncidentStatus to);
//! True when from -> to is a reopen.
bool IsReopen(IncidentStatus from, IncidentStatus to);
//! ok, 409 (kConflict) for a transition the machine lacks, 422 for a missing/unknown
//! outcome or a missing reason.
Status CheckTransition(IncidentStatus from, const TransitionRequest& req);

//! Kinds of timeline step. Status steps are named after the status they enter; the others
//! record something that does not change the status.
//!   received, acknowledged, dispatched, en_route, on_scene, resolved, closed, reopened,
//!   contacted ("lo llamamos"), note, merged, unit_assigned
bool IsStepKind(std::string_view kind);
//! Kinds an operator may add by hand (POST /incidents/{id}/steps): contacted, note.
bool IsManualStepKind(std::string_view kind);
//! Whether a step of this kind is public when the caller does not say.
bool DefaultPublic(std::string_view kind);
//! The step kind written when the incident enters `to` from `from`.
std::string StepKindFor(IncidentStatus from, IncidentStatus to);

//! Spanish and English label of a step kind, shown on the public timeline
//! ("aviso recibido", "lo llamamos", "carro en camino", "en el lugar", "cerrado", ...).
struct StepLabel {
  std::string_view es;
  std::string_view en;
};
StepLabel LabelFor(std::string_view kind);

//! Response-time mark a status fills the first time it is entered (column name in the
//! incidents table), or empty: acknowledged_ms, dispatched_ms, on_scene_ms, closed_ms.
std::string_view MarkColumnFor(IncidentStatus s);

}  // namespace centinela::dispatch
