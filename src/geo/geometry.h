#pragma once
// GeoJSON Polygon/MultiPolygon parsing and validation (WGS84, [lon, lat] order).

#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela::geo {

struct BBox {
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
};

struct ValidGeometry {
  std::string geojson;   //!< the geometry re-serialised compactly (no properties)
  BBox bbox;
  int polygons = 0;
  int rings = 0;
  double area_m2 = 0;    //!< approximate area on the sphere
};

//! Parses a GeoJSON geometry object ({"type":"Polygon"|"MultiPolygon","coordinates":...}).
//! kUnprocessable with a precise message when: not one of those types, a ring with fewer
//! than 4 positions or not closed, lon outside [-180,180] or lat outside [-90,90], a
//! self-intersecting ring or overlapping polygons (Boost.Geometry is_valid).
//!
//! Also: a Feature wrapping a Polygon/MultiPolygon is accepted and its geometry taken
//! (properties dropped). Elements after [lon, lat] (altitude) are ignored and not kept.
//! Ring winding is corrected, never rejected: the output follows RFC 7946 (exteriors
//! counter-clockwise, holes clockwise). Validity is strict OGC (as PostGIS ST_IsValid):
//! spikes, self-touching rings and zero-area holes are rejected, not repaired; consecutive
//! duplicate positions are allowed. Messages name the place as a JSON path into the input
//! ("coordinates[1][0] (exterior ring) intersects itself (... at (lon, lat))").
//! At most 250,000 positions per geometry.
Result<ValidGeometry> ValidateGeometry(std::string_view geojson_text);

//! Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m).
double HaversineMeters(double lat1, double lon1, double lat2, double lon2);

}  // namespace centinela::geo
