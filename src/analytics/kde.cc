#include "analytics/kde.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace centinela::analytics {

double QuarticKernel(double d, double h) {
  if (d >= h) return 0;
  const double u = 1.0 - (d * d) / (h * h);
  return 3.0 / (std::numbers::pi * h * h) * u * u;
}

Result<Raster> KernelDensity(const std::vector<PointEvent>& events, const Raster& shape,
                             double h) {
  if (shape.width <= 0 || shape.height <= 0 || !(shape.cell_m > 0))
    return InvalidArgument("the raster needs a positive width, height and cell size");
  if (!(h >= shape.cell_m)) return InvalidArgument("the bandwidth must be at least one cell");
  if (h > kMaxBandwidthCells * shape.cell_m)
    return InvalidArgument("the bandwidth must be at most 200 cells");
  Raster out = MakeRaster(shape.width, shape.height, shape.cell_m, shape.x0, shape.y0);
  const double c = shape.cell_m;
  const double norm = 3.0 / (std::numbers::pi * h * h) * 1e6;  // per km^2
  const double h2 = h * h;
  for (const PointEvent& e : events) {
    if (!std::isfinite(e.x) || !std::isfinite(e.y) || !std::isfinite(e.weight)) continue;
    // Columns whose centre x0 + (ix + 0.5) c lies within [e.x - h, e.x + h].
    const double fx = (e.x - shape.x0) / c - 0.5, fy = (e.y - shape.y0) / c - 0.5;
    const double hc = h / c;
    const auto lo_x = static_cast<int64_t>(std::ceil(fx - hc));
    const auto hi_x = static_cast<int64_t>(std::floor(fx + hc));
    const auto lo_y = static_cast<int64_t>(std::ceil(fy - hc));
    const auto hi_y = static_cast<int64_t>(std::floor(fy + hc));
    const int64_t x_from = std::max<int64_t>(0, lo_x), x_to = std::min<int64_t>(shape.width - 1, hi_x);
    const int64_t y_from = std::max<int64_t>(0, lo_y), y_to = std::min<int64_t>(shape.height - 1, hi_y);
    for (int64_t iy = y_from; iy <= y_to; ++iy) {
      const double dy = out.CentreY(static_cast<int32_t>(iy)) - e.y;
      for (int64_t ix = x_from; ix <= x_to; ++ix) {
        const double dx = out.CentreX(static_cast<int32_t>(ix)) - e.x;
        const double d2 = dx * dx + dy * dy;
        if (d2 >= h2) continue;
        const double u = 1.0 - d2 / h2;
        out.at(static_cast<int32_t>(ix), static_cast<int32_t>(iy)) += e.weight * norm * u * u;
      }
    }
  }
  return out;
}

}  // namespace centinela::analytics
