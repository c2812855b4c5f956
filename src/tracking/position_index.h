#pragma once
// The latest position of every unit, in memory, behind a Boost.Geometry R-tree so that
// "units near this point" and "the k nearest units" cost a tree walk instead of a scan.
// Rebuilt from the positions table at start; updated after each durable position write.
// Thread-safe (shared mutex): many readers, one writer at a time; a batch of fixes takes
// the write lock once.
//
// The tree holds each fix as a point on the unit sphere (x, y, z): the straight-line
// (chord) distance between two such points grows with the great-circle distance, so the
// tree's own nearest-neighbour search ranks units by their true distance on the Earth,
// anywhere (no projection, no trouble at the antimeridian or the poles).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
  //! Update for each fix, under one lock (the fixes of one stored batch).
  void UpdateMany(const std::vector<LatestFix>& fixes);
  void Remove(const std::string& unit_id);
  std::optional<LatestFix> Get(const std::string& unit_id) const;
  size_t size() const;

  //! Calls `fn` for every unit whose latest fix lies in the latitude/longitude box that
  //! contains the circle of `radius_m` around (lat, lon): a superset of the circle, the
  //! caller measures exact distances. Runs under the read lock: `fn` must be quick and must
  //! not call back into the index.
  void ForEachNear(double lat, double lon, double radius_m,
                   const std::function<void(const LatestFix&)>& fn) const;
  //! The `n` units nearest to (lat, lon) by great-circle distance, nearest first, each with
  //! its distance in metres (haversine on the mean Earth radius).
  std::vector<std::pair<LatestFix, double>> Nearest(double lat, double lon, size_t n) const;
  //! Every latest fix (for stale sweeps and listings).
  std::vector<LatestFix> All() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::tracking
