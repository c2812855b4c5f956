#pragma once
// Private to src/geo: the Boost.Geometry model behind ValidateGeometry, shared with
// AreaIndex and UnionGeometries so a geometry is parsed and checked in one place.

#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "geo/geometry.h"

namespace centinela::geo::internal {

//! x = longitude, y = latitude, in degrees. Cartesian on lon/lat: fine at city scale
//! (point-in-polygon and validity do not need geodesic edges for areas of a few km).
using Point = boost::geometry::model::d2::point_xy<double>;
//! Counter-clockwise exteriors and clockwise holes, closed: the RFC 7946 winding, so the
//! re-serialised form of a corrected polygon follows the right-hand rule.
using Polygon = boost::geometry::model::polygon<Point, /*ClockWise=*/false, /*Closed=*/true>;
using MultiPolygon = boost::geometry::model::multi_polygon<Polygon>;
using Box = boost::geometry::model::box<Point>;

//! A validated geometry: the corrected Boost.Geometry model plus the public summary.
struct Parsed {
  MultiPolygon shape;      //!< a Polygon input becomes a one-part multipolygon
  bool multi = false;      //!< the input was a MultiPolygon (kept on re-serialisation)
  ValidGeometry summary;   //!< what ValidateGeometry returns
};

//! Everything ValidateGeometry does, keeping the model for the caller.
Result<Parsed> ParseAndValidate(std::string_view geojson_text);

//! Bounding box of a polygon (its exterior ring). Written out rather than bg::envelope,
//! whose box state trips g++ 12's -Wmaybe-uninitialized under -Werror.
Box BoundsOf(const Polygon& polygon);

//! Compact GeoJSON ("Polygon" for one part unless `force_multi`, else "MultiPolygon").
std::string Serialize(const MultiPolygon& shape, bool force_multi);

}  // namespace centinela::geo::internal
