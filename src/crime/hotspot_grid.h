#pragma once
// Hotspots and kernel density on the crime map's grid: turns the sparse cell counts of
// IncidentIndex::Grid into a dense analytics::Raster over a study area (a rectangle of
// cells, optionally masked to the cells whose centre lies inside some polygons) and runs the
// pure analytics functions (Getis-Ord Gi* with FDR bins, quartic KDE) on it. One place for
// GET /api/v1/analytics/hotspots, `centinela report monthly` and bench/analytics.
//
// The grid's local projection is the raster's metric frame: cell (ix, iy) of the grid is the
// raster cell covering [ix * cell_m, (ix + 1) * cell_m) x [iy * cell_m, ...) metres from the
// grid's origin. Values; thread-compatible.

#include <cstdint>
#include <functional>
#include <vector>

#include "analytics/hotspots.h"
#include "analytics/raster.h"
#include "common/status.h"
#include "crime/incident_index.h"
#include "geo/geometry.h"
#include "geo/grid.h"

namespace centinela::crime {

//! Largest study area (cells) GridHotspots and GridDensity accept.
inline constexpr int64_t kMaxStudyCells = 4'000'000;

//! A rectangle of grid cells [ix0, ix0 + width) x [iy0, iy0 + height), with an optional mask
//! (row-major from the south-west, 1 = in the study area; empty = every cell).
struct StudyArea {
  int32_t ix0 = 0, iy0 = 0;
  int32_t width = 0, height = 0;
  std::vector<uint8_t> mask;

  int64_t cells() const { return int64_t{width} * height; }
  bool Contains(int32_t ix, int32_t iy) const {
    return ix >= ix0 && iy >= iy0 && ix - ix0 < width && iy - iy0 < height;
  }
  size_t Index(int32_t ix, int32_t iy) const {
    return static_cast<size_t>(iy - iy0) * static_cast<size_t>(width) +
           static_cast<size_t>(ix - ix0);
  }
  bool In(int32_t ix, int32_t iy) const {
    return Contains(ix, iy) && (mask.empty() || mask[Index(ix, iy)] != 0);
  }
};

//! The cells covering `bbox`; with `inside`, a cell is in the study area when inside(lat,
//! lon) holds at its centre. kUnprocessable beyond kMaxStudyCells cells or when no cell is in.
Result<StudyArea> StudyAreaForBox(const geo::Grid& grid, const geo::BBox& bbox,
                                  const std::function<bool(double lat, double lon)>& inside);

//! The bounding rectangle of the non-empty cells, unmasked. kUnprocessable when there are no
//! cells or beyond kMaxStudyCells.
Result<StudyArea> StudyAreaOfCells(const GridCounts& counts);

//! The counts as a raster over the study area (cells outside the rectangle are dropped; cells
//! outside the mask keep their count, GetisOrdGiStar ignores them through the mask).
analytics::Raster CountRaster(const geo::Grid& grid, const GridCounts& counts,
                              const StudyArea& study);

struct HotspotCell {
  int32_t ix = 0, iy = 0;
  uint32_t count = 0;
  double z = 0;
  double p = 1;
  int8_t bin = 0;  //!< -3..+3 (ArcGIS Gi_Bin)
};

struct HotspotGrid {
  StudyArea study;
  double band_m = 0;       //!< the distance band used
  bool default_band = false;  //!< band_m came from analytics::DefaultDistanceBand
  analytics::GiResult gi;  //!< per raster cell of the study area
  analytics::Raster counts;

  //! Cells of the study area: every one (all = true) or those with bin != 0, row-major.
  std::vector<HotspotCell> Cells(bool all) const;
  //! Study cells with bin > 0 / bin < 0.
  int64_t Hot() const;
  int64_t Cold() const;
};

struct HotspotOptions {
  double band_m = 0;  //!< 0: analytics::DefaultDistanceBand, capped to kMaxBandCells cells
  bool fdr = true;
};

//! Gi* over the study area. kInvalidArgument for a band outside [1, kMaxBandCells] cells;
//! kUnprocessable when there are too few non-empty cells for a default band or fewer than
//! 3 cells in the study area.
Result<HotspotGrid> GridHotspots(const geo::Grid& grid, const GridCounts& counts,
                                 const StudyArea& study, const HotspotOptions& options);

//! Quartic kernel density (per km^2) at the centres of the study area's cells, from
//! `fine_counts`: counts on `fine` (a grid with the same origin as `grid`, usually smaller
//! cells), each non-empty fine cell an event at its centre weighted by its count (binning
//! moves an event by at most half a fine cell's diagonal). Cells outside the mask are 0.
Result<analytics::Raster> GridDensity(const geo::Grid& grid, const StudyArea& study,
                                      const geo::Grid& fine, const GridCounts& fine_counts,
                                      double bandwidth_m);

}  // namespace centinela::crime
