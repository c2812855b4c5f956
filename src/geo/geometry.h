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
Result<ValidGeometry> ValidateGeometry(std::string_view geojson_text);

//! Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m).
double HaversineMeters(double lat1, double lon1, double lat2, double lon2);

}  // namespace centinela::geo
