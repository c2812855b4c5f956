#include "crime/hotspot_grid.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analytics/kde.h"

namespace centinela::crime {

namespace {

Status TooBig(int64_t cells) {
  return Unprocessable("the study area has " + std::to_string(cells) +
                       " cells, more than the limit of " + std::to_string(kMaxStudyCells) +
                       ": use a larger cell or a smaller area");
}

}  // namespace

Result<StudyArea> StudyAreaForBox(const geo::Grid& grid, const geo::BBox& bbox,
                                  const std::function<bool(double lat, double lon)>& inside) {
  const geo::CellIndex sw = grid.CellOf(bbox.min_lat, bbox.min_lon);
  const geo::CellIndex ne = grid.CellOf(bbox.max_lat, bbox.max_lon);
  const int64_t w = int64_t{ne.ix} - sw.ix + 1, h = int64_t{ne.iy} - sw.iy + 1;
  if (w <= 0 || h <= 0) return Unprocessable("the study area is empty");
  if (w * h > kMaxStudyCells) return TooBig(w * h);
  StudyArea s;
  s.ix0 = sw.ix;
  s.iy0 = sw.iy;
  s.width = static_cast<int32_t>(w);
  s.height = static_cast<int32_t>(h);
  if (inside) {
    s.mask.assign(static_cast<size_t>(w * h), 0);
    bool any = false;
    for (int32_t y = 0; y < s.height; ++y) {
      for (int32_t x = 0; x < s.width; ++x) {
        const geo::LatLon c = grid.Centre({s.ix0 + x, s.iy0 + y});
        if (inside(c.lat, c.lon)) {
          s.mask[static_cast<size_t>(y) * s.width + x] = 1;
          any = true;
        }
      }
    }
    if (!any) return Unprocessable("no cell centre lies inside the study area: use a smaller cell");
  }
  return s;
}

Result<StudyArea> StudyAreaOfCells(const GridCounts& counts) {
  if (counts.cells.empty()) return Unprocessable("no located incidents match the filters");
  int32_t x0 = counts.cells[0].ix, x1 = x0, y0 = counts.cells[0].iy, y1 = y0;
  for (const CellCount& c : counts.cells) {
    x0 = std::min(x0, c.ix), x1 = std::max(x1, c.ix);
    y0 = std::min(y0, c.iy), y1 = std::max(y1, c.iy);
  }
  const int64_t w = int64_t{x1} - x0 + 1, h = int64_t{y1} - y0 + 1;
  if (w * h > kMaxStudyCells) return TooBig(w * h);
  StudyArea s;
  s.ix0 = x0;
  s.iy0 = y0;
  s.width = static_cast<int32_t>(w);
  s.height = static_cast<int32_t>(h);
  return s;
}

analytics::Raster CountRaster(const geo::Grid& grid, const GridCounts& counts,
                              const StudyArea& study) {
  analytics::Raster r = analytics::MakeRaster(study.width, study.height, grid.cell_m(),
                                              study.ix0 * grid.cell_m(), study.iy0 * grid.cell_m());
  for (const CellCount& c : counts.cells)
    if (study.Contains(c.ix, c.iy)) r.values[study.Index(c.ix, c.iy)] = c.count;
  return r;
}

std::vector<HotspotCell> HotspotGrid::Cells(bool all) const {
  std::vector<HotspotCell> out;
  for (int32_t y = 0; y < study.height; ++y) {
    for (int32_t x = 0; x < study.width; ++x) {
      const size_t i = static_cast<size_t>(y) * study.width + x;
      if (!study.mask.empty() && !study.mask[i]) continue;
      if (!all && gi.bin[i] == 0) continue;
      out.push_back({study.ix0 + x, study.iy0 + y, static_cast<uint32_t>(counts.values[i]),
                     gi.z[i], gi.p[i], gi.bin[i]});
    }
  }
  return out;
}

int64_t HotspotGrid::Hot() const {
  return std::count_if(gi.bin.begin(), gi.bin.end(), [](int8_t b) { return b > 0; });
}

int64_t HotspotGrid::Cold() const {
  return std::count_if(gi.bin.begin(), gi.bin.end(), [](int8_t b) { return b < 0; });
}

Result<HotspotGrid> GridHotspots(const geo::Grid& grid, const GridCounts& counts,
                                 const StudyArea& study, const HotspotOptions& options) {
  HotspotGrid out;
  out.study = study;
  out.counts = CountRaster(grid, counts, study);
  const double cell = grid.cell_m();
  double band = options.band_m;
  if (band == 0) {
    auto b = analytics::DefaultDistanceBand(out.counts, study.mask);
    if (!b.ok())
      return Unprocessable("too few non-empty cells to choose a distance band (" +
                           b.status().message() + "): pass band_m");
    band = std::clamp(*b, cell, analytics::kMaxBandCells * cell);
    out.default_band = true;
  } else if (!(band >= cell && band <= analytics::kMaxBandCells * cell)) {
    return InvalidArgument("the band must be between one cell and " +
                           std::to_string(static_cast<int>(analytics::kMaxBandCells)) + " cells");
  }
  out.band_m = band;
  analytics::GiOptions gi;
  gi.band_m = band;
  gi.fdr = options.fdr;
  gi.mask = study.mask;
  auto r = analytics::GetisOrdGiStar(out.counts, gi);
  if (!r.ok()) {
    if (r.status().code() == Code::kInvalidArgument) return Unprocessable(r.status().message());
    return r.status();
  }
  out.gi = std::move(*r);
  return out;
}

Result<analytics::Raster> GridDensity(const geo::Grid& grid, const StudyArea& study,
                                      const geo::Grid& fine, const GridCounts& fine_counts,
                                      double bandwidth_m) {
  if (study.cells() > kMaxStudyCells) return TooBig(study.cells());
  if (fine.projection().lat0() != grid.projection().lat0() ||
      fine.projection().lon0() != grid.projection().lon0())
    return InvalidArgument("the fine grid must share the grid's origin");
  std::vector<analytics::PointEvent> events;
  events.reserve(fine_counts.cells.size());
  const double fc = fine.cell_m();
  for (const CellCount& c : fine_counts.cells)
    events.push_back({(c.ix + 0.5) * fc, (c.iy + 0.5) * fc, static_cast<double>(c.count)});
  const analytics::Raster shape = analytics::MakeRaster(
      study.width, study.height, grid.cell_m(), study.ix0 * grid.cell_m(), study.iy0 * grid.cell_m());
  auto d = analytics::KernelDensity(events, shape, bandwidth_m);
  if (!d.ok()) return d.status();
  if (!study.mask.empty())
    for (size_t i = 0; i < d->values.size(); ++i)
      if (!study.mask[i]) d->values[i] = 0;
  return d;
}

}  // namespace centinela::crime
