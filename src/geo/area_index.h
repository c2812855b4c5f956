#pragma once
// In-memory spatial index of area polygons: point -> codes of the areas containing it.
// An R-tree over polygon bounding boxes (Boost.Geometry) narrows candidates; an exact
// point-in-polygon test decides. Thread-safe: many readers, one writer at a time.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace centinela::geo {

class AreaIndex {
 public:
  AreaIndex();
  ~AreaIndex();
  AreaIndex(const AreaIndex&) = delete;
  AreaIndex& operator=(const AreaIndex&) = delete;

  //! Inserts or replaces the area `code` with a GeoJSON Polygon/MultiPolygon (validated).
  Status Put(const std::string& code, const std::string& geojson_geometry);
  //! Removes the area; no-op when absent.
  void Remove(const std::string& code);
  //! Codes of every area whose polygon contains (lat, lon), boundary included, sorted.
  std::vector<std::string> At(double lat, double lon) const;
  //! Codes of every area whose polygon meets (intersects, boundary included) the closed
  //! ring given as (lat, lon) points, sorted. An open or degenerate ring meets nothing.
  std::vector<std::string> Meeting(const std::vector<std::pair<double, double>>& ring) const;
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::geo
