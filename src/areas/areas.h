#pragma once
// Areas: the polygons that routing, staff scoping and every per-area figure hang on.
// The store holds them; an AreaIndex and a parent map in memory are kept in step with
// every committed change.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "geo/area_index.h"
#include "store/store.h"

namespace centinela::areas {

//! region > precinct > sector > neighbourhood (a child's kind need not be the next one).
enum class Kind { kRegion, kPrecinct, kSector, kNeighbourhood };
std::string_view KindName(Kind k);
std::optional<Kind> ParseKind(std::string_view name);
// The agencies an area can be served by: auth::AgencyTable() (auth/roles.h).

struct Area {
  std::string code;          //!< stable, e.g. CUT "13130"; [A-Za-z0-9_.-]{1,64}
  std::string name;
  Kind kind = Kind::kNeighbourhood;
  std::string parent_code;   //!< empty for a root
  int64_t population = 0;
  std::vector<std::string> agencies;
  std::string geometry;      //!< GeoJSON Polygon/MultiPolygon text (validated, compact)
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct AreaPatch {
  std::optional<std::string> name;
  std::optional<Kind> kind;
  std::optional<std::string> parent_code;  //!< "" makes it a root
  std::optional<int64_t> population;
  std::optional<std::vector<std::string>> agencies;
  std::optional<std::string> geometry;
};

//! Thread-safe. Write callbacks run on the store's writer thread after a durable commit.
class AreaService {
 public:
  explicit AreaService(store::Store& store);
  //! Waits for this service's writes still in flight (their callbacks touch *this).
  ~AreaService();
  AreaService(const AreaService&) = delete;
  AreaService& operator=(const AreaService&) = delete;

  //! Loads every area from the store into memory (call once at start).
  Status Load();

  //! Validates (code format, kind, parent exists, no cycle, population >= 0, agencies known,
  //! geometry valid) and stores the area with an "area.created" event. 409 if code exists.
  void Create(Area area, std::string actor, std::function<void(Result<Area>)> done);
  //! Applies a patch with an "area.updated" event. 404 unknown, 409 on a parent cycle.
  void Update(std::string code, AreaPatch patch, std::string actor,
              std::function<void(Result<Area>)> done);
  //! Deletes with an "area.deleted" event; 409 while the area has children.
  void Remove(std::string code, std::string actor, std::function<void(Status)> done);

  std::optional<Area> Get(const std::string& code) const;
  //! Every area, optionally filtered by kind and parent, ordered by code.
  std::vector<Area> List(std::optional<Kind> kind = std::nullopt,
                         std::optional<std::string> parent = std::nullopt) const;
  //! Areas containing the point, outermost (root) first.
  std::vector<Area> At(double lat, double lon) const;
  //! The codes of At(lat, lon), without copying areas and their geometries (hot paths).
  std::vector<std::string> CodesAt(double lat, double lon) const;
  //! Codes of the areas a closed (lat, lon) ring meets (a drawn broadcast polygon), sorted.
  std::vector<std::string> CodesMeeting(const std::vector<std::pair<double, double>>& ring) const;
  //! Whether the area exists; its agencies (empty when unknown). No geometry copied.
  bool Has(const std::string& code) const;
  std::vector<std::string> AgenciesOf(const std::string& code) const;
  //! code, its parent, ..., the root. Empty when the code is unknown.
  std::vector<std::string> Path(const std::string& code) const;
  //! Children codes of an area (direct only).
  std::vector<std::string> Children(const std::string& code) const;
  //! Every descendant of an area (children, their children, ...), sorted; not the area.
  std::vector<std::string> Descendants(const std::string& code) const;

 private:
  // Areas containing the point, outermost first.
  std::vector<const Area*> AtLocked(double lat, double lon) const REQUIRES_SHARED(mu_);
  void Apply(const Area& area);     // in-memory update after commit
  void Forget(const std::string& code);
  // store_.Write counted in inflight_, so the destructor can wait for the callbacks.
  void Submit(store::WriteFn fn, std::function<void(Status)> done);

  store::Store& store_;
  geo::AreaIndex index_;
  mutable SharedMutex mu_;
  std::unordered_map<std::string, Area> areas_ GUARDED_BY(mu_);

  Mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  int inflight_ GUARDED_BY(inflight_mu_) = 0;
};

}  // namespace centinela::areas
