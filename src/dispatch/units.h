#pragma once
// Units (patrol cars, motorbikes, foot patrols, ambulances, engines, municipal crews): the
// registry, the crew of responder accounts, the unit status machine, the nearest-unit
// recommendation and dispatch. Units are mirrored in memory after every commit (the
// recommendation filters on them without a query); positions come from the tracking
// PositionIndex.
//
// Events: unit.created / unit.updated / unit.status  scope "staff:area:<home area>";
// unit.assigned, one per crew member, scope "user:<crew member id>" (the crew's phones
// hear about the call on the stream). Incident steps follow the crew's moves (en route,
// on scene) through IncidentService::TransitionInTx in the same write.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "areas/areas.h"
#include "common/mutex.h"
#include "common/status.h"
#include "dispatch/incidents.h"
#include "dispatch/recommend.h"
#include "store/inflight.h"
#include "store/store.h"
#include "tracking/position_index.h"

namespace centinela::dispatch {

inline constexpr size_t kMaxCapabilities = 20;
inline constexpr size_t kMaxCrew = 12;
inline constexpr int kMaxRecommendations = 50;

//! available, assigned, en_route, on_scene, out_of_service.
bool IsUnitStatus(std::string_view s);
//! The unit status machine. Pure.
//!   available <-> out_of_service; available -> assigned (dispatch only);
//!   assigned -> en_route | available; en_route -> on_scene | available;
//!   on_scene -> available.
bool UnitTransitionAllowed(std::string_view from, std::string_view to);
//! Agencies a unit may belong to (the same set categories route to).
bool IsAgency(std::string_view agency);

struct Unit {
  std::string id;
  std::string callsign;
  std::string agency;
  std::string kind;
  std::vector<std::string> capabilities;
  std::string home_area;
  std::string status = "available";
  std::string incident_id;
  std::vector<std::string> crew;
  int64_t created_ms = 0, updated_ms = 0;
};

struct NewUnit {
  std::string callsign, agency, kind, home_area;
  std::vector<std::string> capabilities;
  std::vector<std::string> crew;
};

//! Field rules (callsign 1-32 printable, agency, kind, capabilities [a-z0-9_] up to 20,
//! crew up to 12). The home area is checked against the AreaService by the service.
Status ValidateNewUnit(const NewUnit& u);

//! One row of incident_units (owned by units.cc) with the unit's callsign.
struct Assignment {
  std::string unit_id, callsign;
  int64_t assigned_ms = 0, accepted_ms = 0, released_ms = 0;  //!< 0: not (yet)
};
//! Every assignment of a unit to `incident_id`, oldest first.
Result<std::vector<Assignment>> AssignmentsOf(store::Store& store, const std::string& incident_id);
//! The unit's latest assignment to the incident that is not released; nullopt when none.
//! (callsign left empty.)
Result<std::optional<Assignment>> OpenAssignment(store::Store& store,
                                                 const std::string& incident_id,
                                                 const std::string& unit_id);

class UnitService {
 public:
  //! A unit whose latest fix is older than `stale_after_ms` is flagged stale.
  UnitService(store::Store& store, const areas::AreaService& areas,
              const tracking::PositionIndex& positions, int64_t stale_after_ms = 300'000);
  ~UnitService();
  UnitService(const UnitService&) = delete;
  UnitService& operator=(const UnitService&) = delete;

  //! Loads every unit into memory. Call once at start.
  Status Load();

  using Done = std::function<void(Result<Unit>)>;
  //! 409 when the callsign is taken; 422 unknown area or crew account.
  void Create(NewUnit u, std::string actor, Done done);
  //! Replaces the crew.
  void SetCrew(std::string id, std::vector<std::string> crew, std::string actor, Done done);
  //! The crew acknowledges its current assignment.
  void Accept(std::string id, std::string actor, Done done);
  //! A responder (or operator) moves the unit; the incident follows (en_route, on_scene)
  //! with `step` (note, photo) on the public step.
  void MoveStatus(std::string id, std::string to, StepInput step, std::string actor, Done done);
  //! Assigns an available unit to an incident (new/acknowledged move to dispatched).
  void Dispatch(std::string incident_id, std::string unit_id, std::string note,
                std::string actor, Done done);

  std::optional<Unit> Get(const std::string& id) const;
  std::vector<Unit> List() const;
  //! Units whose crew includes the user.
  std::vector<Unit> OfCrewMember(const std::string& user_id) const;

  //! The k available units of `agencies` holding `capabilities` that reach (lat, lon)
  //! first, among units with a known position. Exact: the search widens until the k-th
  //! estimate bounds every unit farther away.
  const tracking::PositionIndex& positions() const { return positions_; }
  int64_t stale_after_ms() const { return stale_after_ms_; }

  std::vector<Recommendation> Recommend(double lat, double lon,
                                        const std::vector<std::string>& agencies,
                                        const std::vector<std::string>& capabilities,
                                        int k) const;

 private:
  void Apply(const Unit& u);
  void Submit(std::shared_ptr<Unit> unit, store::WriteFn fn, Done done);

  store::Store& store_;
  const areas::AreaService& areas_;
  const tracking::PositionIndex& positions_;
  const int64_t stale_after_ms_;
  mutable SharedMutex mu_;
  std::map<std::string, Unit> units_ GUARDED_BY(mu_);
  store::InflightWrites writes_;
};

}  // namespace centinela::dispatch
