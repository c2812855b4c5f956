#pragma once
// A metric grid over WGS84 for counting incidents per cell (the crime map, hotspots, KDE).
//
// Projection: equirectangular around a reference point (lat0, lon0):
//   x = R * (lon - lon0) * cos(lat0),  y = R * (lat - lat0),  R = 6,371,008.8 m.
// It is linear in lon and lat, so every cell is an exact lon/lat rectangle (its polygon has
// four corners and no curvature to approximate), and point -> cell is two multiplies and two
// floors. The price is scale error away from lat0: east-west distances are off by
// |cos(lat)/cos(lat0) - 1| ~ tan(lat0) * dlat. At city scale (20 km north or south of lat0)
// that is 0.11% at Mexico City (19.4 N), 0.25% at Santiago (33.5 S) and 0.28% at Buenos
// Aires (34.6 S): under 3 m on a 1,000 m cell. North-south distances are exact on the
// sphere; the sphere itself differs from WGS84's ellipsoid by up to ~0.5%, uniformly over
// a city, which changes every cell's true size alike and not which cell a point falls in.
// Use one reference per city (the centre of the area or of the data), never a world grid.
//
// Values; thread-compatible (const methods are safe to share).

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::geo {

inline constexpr double kEarthRadiusMeters = 6'371'008.8;
inline constexpr double kMinCellMeters = 50;
inline constexpr double kMaxCellMeters = 2'000;

struct LatLon {
  double lat = 0;
  double lon = 0;
};

struct CellIndex {
  int32_t ix = 0;  //!< column, eastwards from the origin; negative west of it
  int32_t iy = 0;  //!< row, northwards from the origin; negative south of it
  bool operator==(const CellIndex&) const = default;
};

//! Local equirectangular projection around (lat0, lon0). Metres east (x) and north (y).
class LocalProjection {
 public:
  LocalProjection(double lat0, double lon0);
  double x(double lon) const { return (lon - lon0_) * m_per_deg_lon_; }
  double y(double lat) const { return (lat - lat0_) * m_per_deg_lat_; }
  double lon(double x) const { return lon0_ + x / m_per_deg_lon_; }
  double lat(double y) const { return lat0_ + y / m_per_deg_lat_; }
  double lat0() const { return lat0_; }
  double lon0() const { return lon0_; }
  double meters_per_degree_lat() const { return m_per_deg_lat_; }
  double meters_per_degree_lon() const { return m_per_deg_lon_; }

 private:
  double lat0_, lon0_, m_per_deg_lat_, m_per_deg_lon_;
};

//! Square cells of `cell_m` metres with cell (0, 0)'s south-west corner at the projection's
//! reference point. Cells are half-open: a point on a west/south edge belongs to the cell
//! east/north of it.
class Grid {
 public:
  //! kInvalidArgument unless 50 <= cell_m <= 2000, |lat0| <= 85 and |lon0| <= 180.
  static Result<Grid> Make(double lat0, double lon0, double cell_m);

  double cell_m() const { return cell_m_; }
  const LocalProjection& projection() const { return proj_; }
  //! Degrees of latitude / longitude per cell (the lon/lat rectangle each cell is).
  double cell_dlat() const { return dlat_; }
  double cell_dlon() const { return dlon_; }

  //! The cell containing (lat, lon). Points more than ~2^31 cells away saturate.
  CellIndex CellOf(double lat, double lon) const;
  //! Centre of a cell.
  LatLon Centre(CellIndex c) const;
  //! South-west corner of a cell.
  LatLon Corner(CellIndex c) const;
  //! Closed ring [lon, lat] of the cell, counter-clockwise from the south-west corner
  //! (RFC 7946 exterior winding): SW, SE, NE, NW, SW.
  std::vector<LatLon> Polygon(CellIndex c) const;

 private:
  Grid(double lat0, double lon0, double cell_m);
  LocalProjection proj_;
  double cell_m_;
  double dlat_, dlon_;
};

}  // namespace centinela::geo
