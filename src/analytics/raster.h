#pragma once
// A dense width x height array of per-cell values over a square metric grid: what the
// hotspot statistics read (counts per cell) and what the kernel density writes (density per
// cell). Coordinates are metres in one local projection (geo::LocalProjection gives them);
// the analytics library itself knows nothing of latitude and longitude.
//
// Cell (ix, iy) covers [x0 + ix*cell_m, x0 + (ix+1)*cell_m) x [y0 + iy*cell_m, ...); it is
// stored at values[iy * width + ix] (row 0 is the southern row). Values; thread-compatible.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace centinela::analytics {

struct Raster {
  int32_t width = 0;
  int32_t height = 0;
  double cell_m = 0;   //!< side of a cell in metres (> 0)
  double x0 = 0;       //!< west edge of column 0, metres
  double y0 = 0;       //!< south edge of row 0, metres
  std::vector<double> values;  //!< width * height, row-major from the south-west

  size_t size() const { return static_cast<size_t>(width) * static_cast<size_t>(height); }
  size_t Index(int32_t ix, int32_t iy) const {
    return static_cast<size_t>(iy) * static_cast<size_t>(width) + static_cast<size_t>(ix);
  }
  double& at(int32_t ix, int32_t iy) { return values[Index(ix, iy)]; }
  double at(int32_t ix, int32_t iy) const { return values[Index(ix, iy)]; }
  double CentreX(int32_t ix) const { return x0 + (ix + 0.5) * cell_m; }
  double CentreY(int32_t iy) const { return y0 + (iy + 0.5) * cell_m; }
};

//! A raster of zeros with the given shape.
inline Raster MakeRaster(int32_t width, int32_t height, double cell_m, double x0 = 0,
                         double y0 = 0) {
  Raster r;
  r.width = width;
  r.height = height;
  r.cell_m = cell_m;
  r.x0 = x0;
  r.y0 = y0;
  r.values.assign(r.size(), 0.0);
  return r;
}

//! A point event in the raster's metric frame, with a weight (1 for a plain incident).
struct PointEvent {
  double x = 0;
  double y = 0;
  double weight = 1;
};

}  // namespace centinela::analytics
