#pragma once
// Union of area polygons, e.g. a precinct's outline from its comunas.

#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::geo {

//! Union of GeoJSON Polygon/MultiPolygon geometries (each validated), as compact GeoJSON
//! (a Polygon when the result is one piece, else a MultiPolygon). Adjacent areas whose
//! shared borders differ by digitising noise may leave slivers; those are kept, not hidden.
Result<std::string> UnionGeometries(const std::vector<std::string>& geojson_geometries);

}  // namespace centinela::geo
