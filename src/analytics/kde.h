#pragma once
// Kernel density for the heatmap: the quartic (biweight) kernel of Silverman (1986, eq. 4.5),
// the one ArcGIS's Kernel Density and CrimeStat use, evaluated at every cell centre.
//
//   density(c) = sum over events i with d_i < h of  w_i * 3 / (pi h^2) * (1 - d_i^2 / h^2)^2
//
// d_i = distance from the cell centre to event i, h = bandwidth in metres. Each event's
// kernel integrates to w_i over the plane, so the surface integrates to the total weight
// (n for unweighted events) when no kernel is cut by the raster's edge; the values are
// events per square metre, reported here per km^2 (x 1e6). Pure.

#include <vector>

#include "analytics/raster.h"
#include "common/status.h"

namespace centinela::analytics {

//! Largest bandwidth KernelDensity accepts, in cells (bounds the work per event).
inline constexpr double kMaxBandwidthCells = 200;

//! Density per km^2 at each cell centre of a raster shaped like `shape` (its values are
//! ignored). Events outside the raster still contribute to cells within h of them.
//! kInvalidArgument for a mis-shaped raster or a bandwidth below one cell or above
//! kMaxBandwidthCells cells.
Result<Raster> KernelDensity(const std::vector<PointEvent>& events, const Raster& shape,
                             double bandwidth_m);

//! The quartic kernel's value per m^2 at distance d from an event of weight 1 (0 at d >= h).
double QuarticKernel(double d, double bandwidth_m);

}  // namespace centinela::analytics
