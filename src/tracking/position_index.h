#pragma once
// The latest position of every unit, in memory, behind a Boost.Geometry R-tree so that
// "units near this point" costs a tree walk instead of a scan. Rebuilt from the positions
// table at start; updated after each durable position write. Thread-safe (shared mutex):
// many readers, one writer at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace centinela::tracking {

struct LatestFix {
  std::string unit_id;
  double lat = 0, lon = 0;
  int64_t time_ms = 0;      //!< fix time (device clock)
  int64_t received_ms = 0;  //!< when the server stored it
};

class PositionIndex {
 public:
  PositionIndex();
  ~PositionIndex();
  PositionIndex(const PositionIndex&) = delete;
  PositionIndex& operator=(const PositionIndex&) = delete;

  //! Records a fix unless the unit already has a newer one (out-of-order batches).
  void Update(const LatestFix& fix);
  void Remove(const std::string& unit_id);
  std::optional<LatestFix> Get(const std::string& unit_id) const;
  size_t size() const;

  //! Calls `fn` for every unit whose latest fix lies in the latitude/longitude box that
  //! contains the circle of `radius_m` around (lat, lon): a superset of the circle, the
  //! caller measures exact distances. Runs under the read lock: `fn` must be quick and must
  //! not call back into the index.
  void ForEachNear(double lat, double lon, double radius_m,
                   const std::function<void(const LatestFix&)>& fn) const;
  //! Every latest fix (for stale sweeps and listings).
  std::vector<LatestFix> All() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::tracking
