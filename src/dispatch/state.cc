#include "dispatch/state.h"

#include <algorithm>
#include <array>
#include <utility>

namespace centinela::dispatch {

namespace {

constexpr std::array<std::pair<IncidentStatus, std::string_view>, 7> kStatusNames = {{
    {IncidentStatus::kNew, "new"},
    {IncidentStatus::kAcknowledged, "acknowledged"},
    {IncidentStatus::kDispatched, "dispatched"},
    {IncidentStatus::kEnRoute, "en_route"},
    {IncidentStatus::kOnScene, "on_scene"},
    {IncidentStatus::kResolved, "resolved"},
    {IncidentStatus::kClosed, "closed"},
}};

struct KindInfo {
  std::string_view kind;
  bool public_by_default;
  bool manual;
  StepLabel label;
};

// The timeline vocabulary. Public by default: what the reporter waits to hear.
constexpr std::array<KindInfo, 12> kKinds = {{
    {"received", false, false, {"aviso ingresado", "alert logged"}},
    {"acknowledged", true, false, {"aviso recibido", "alert received"}},
    {"contacted", true, true, {"lo llamamos", "we called you"}},
    {"dispatched", false, false, {"unidad asignada", "unit assigned"}},
    {"en_route", true, false, {"carro en camino", "unit on the way"}},
    {"on_scene", true, false, {"en el lugar", "on scene"}},
    {"resolved", false, false, {"resuelto", "resolved"}},
    {"closed", true, false, {"cerrado", "closed"}},
    {"reopened", false, false, {"reabierto", "reopened"}},
    {"note", false, true, {"nota", "note"}},
    {"merged", false, false, {"aviso unido", "report merged"}},
    {"unit_assigned", false, false, {"unidad asignada", "unit assigned"}},
}};

const KindInfo* FindKind(std::string_view kind) {
  for (const KindInfo& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

}  // namespace

std::string_view StatusName(IncidentStatus s) {
  for (const auto& [status, name] : kStatusNames)
    if (status == s) return name;
  return "new";
}

std::optional<IncidentStatus> ParseStatus(std::string_view name) {
  for (const auto& [status, n] : kStatusNames)
    if (n == name) return status;
  return std::nullopt;
}

const std::vector<IncidentStatus>& AllStatuses() {
  static const std::vector<IncidentStatus> kAll = [] {
    std::vector<IncidentStatus> v;
    for (const auto& [status, name] : kStatusNames) v.push_back(status);
    return v;
  }();
  return kAll;
}

const std::vector<std::string>& OutcomeCodes() {
  static const std::vector<std::string> kCodes = {
      "arrest",        "assistance_given", "no_finding",      "false_alarm",
      "referred",      "report_taken",     "resolved_on_site", "duplicate",
      "unable_to_locate"};
  return kCodes;
}

bool IsOutcome(std::string_view code) {
  const auto& c = OutcomeCodes();
  return std::find(c.begin(), c.end(), code) != c.end();
}

bool IsReopen(IncidentStatus from, IncidentStatus to) {
  return (from == IncidentStatus::kClosed || from == IncidentStatus::kResolved) &&
         to == IncidentStatus::kAcknowledged;
}

bool TransitionExists(IncidentStatus from, IncidentStatus to) {
  using S = IncidentStatus;
  if (IsReopen(from, to)) return true;
  switch (from) {
    case S::kNew:
      return to == S::kAcknowledged || to == S::kClosed;
    case S::kAcknowledged:
      return to == S::kDispatched || to == S::kClosed;
    case S::kDispatched:
      return to == S::kEnRoute;
    case S::kEnRoute:
      return to == S::kOnScene;
    case S::kOnScene:
      return to == S::kResolved;
    case S::kResolved:
      return to == S::kClosed;
    case S::kClosed:
      return false;
  }
  return false;
}

Status CheckTransition(IncidentStatus from, const TransitionRequest& req) {
  if (!TransitionExists(from, req.to))
    return Conflict("an incident that is " + std::string(StatusName(from)) + " cannot become " +
                    std::string(StatusName(req.to)));
  if (req.to == IncidentStatus::kClosed) {
    if (req.outcome.empty()) return Unprocessable("closing needs an 'outcome'");
    if (!IsOutcome(req.outcome)) return Unprocessable("unknown outcome '" + req.outcome + "'");
  } else if (!req.outcome.empty()) {
    return Unprocessable("'outcome' is given only when closing");
  }
  if (IsReopen(from, req.to) && req.reason.empty())
    return Unprocessable("reopening needs a 'reason'");
  return Status::Ok();
}

bool IsStepKind(std::string_view kind) { return FindKind(kind) != nullptr; }

bool IsManualStepKind(std::string_view kind) {
  const KindInfo* k = FindKind(kind);
  return k && k->manual;
}

bool DefaultPublic(std::string_view kind) {
  const KindInfo* k = FindKind(kind);
  return k && k->public_by_default;
}

std::string StepKindFor(IncidentStatus from, IncidentStatus to) {
  if (IsReopen(from, to)) return "reopened";
  return std::string(StatusName(to));
}

StepLabel LabelFor(std::string_view kind) {
  const KindInfo* k = FindKind(kind);
  return k ? k->label : StepLabel{"", ""};
}

std::string_view MarkColumnFor(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kAcknowledged:
      return "acknowledged_ms";
    case IncidentStatus::kDispatched:
      return "dispatched_ms";
    case IncidentStatus::kOnScene:
      return "on_scene_ms";
    case IncidentStatus::kClosed:
      return "closed_ms";
    default:
      return "";
  }
}

}  // namespace centinela::dispatch
