#include "geo/grid.h"

#include <algorithm>
#include <limits>
#include <numbers>

namespace centinela::geo {

namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;

int32_t SaturatingFloor(double v) {
  double f = std::floor(v);
  if (!(f >= static_cast<double>(std::numeric_limits<int32_t>::min())))
    return std::numeric_limits<int32_t>::min();
  if (f > static_cast<double>(std::numeric_limits<int32_t>::max()))
    return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(f);
}

}  // namespace

LocalProjection::LocalProjection(double lat0, double lon0)
    : lat0_(lat0),
      lon0_(lon0),
      m_per_deg_lat_(kEarthRadiusMeters * kDegToRad),
      m_per_deg_lon_(kEarthRadiusMeters * kDegToRad * std::cos(lat0 * kDegToRad)) {}

Grid::Grid(double lat0, double lon0, double cell_m)
    : proj_(lat0, lon0),
      cell_m_(cell_m),
      dlat_(cell_m / proj_.meters_per_degree_lat()),
      dlon_(cell_m / proj_.meters_per_degree_lon()) {}

Result<Grid> Grid::Make(double lat0, double lon0, double cell_m) {
  if (!(cell_m >= kMinCellMeters && cell_m <= kMaxCellMeters))
    return InvalidArgument("cell size must be 50 to 2000 metres");
  if (!(std::abs(lat0) <= 85.0) || !(std::abs(lon0) <= 180.0))
    return InvalidArgument("grid reference must have |lat| <= 85 and |lon| <= 180");
  return Grid(lat0, lon0, cell_m);
}

CellIndex Grid::CellOf(double lat, double lon) const {
  return {SaturatingFloor((lon - proj_.lon0()) / dlon_),
          SaturatingFloor((lat - proj_.lat0()) / dlat_)};
}

LatLon Grid::Corner(CellIndex c) const {
  return {proj_.lat0() + c.iy * dlat_, proj_.lon0() + c.ix * dlon_};
}

LatLon Grid::Centre(CellIndex c) const {
  return {proj_.lat0() + (c.iy + 0.5) * dlat_, proj_.lon0() + (c.ix + 0.5) * dlon_};
}

std::vector<LatLon> Grid::Polygon(CellIndex c) const {
  LatLon sw = Corner(c);
  LatLon ne{sw.lat + dlat_, sw.lon + dlon_};
  return {sw, {sw.lat, ne.lon}, ne, {ne.lat, sw.lon}, sw};
}

}  // namespace centinela::geo
