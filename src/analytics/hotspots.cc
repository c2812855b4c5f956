#include "analytics/hotspots.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace centinela::analytics {

namespace {

// Tolerance for "centre within band": cell centres sit on exact multiples of the cell size,
// so a band of exactly 2 cells must include the cell 2 away despite rounding.
constexpr double kBandEpsilon = 1e-9;

bool In(const std::vector<uint8_t>& mask, size_t i) { return mask.empty() || mask[i] != 0; }

// Half-widths (in cells) of the neighbourhood's row at each dy in [-r, r]: the neighbourhood
// is { (dx, dy) : |dx| <= half[dy + r] }. A disc for a band, a 3x3 block for queen.
std::vector<int32_t> RowHalfWidths(const GiOptions& o, double cell_m) {
  if (o.neighbourhood == Neighbourhood::kQueen) return {1, 1, 1};
  const double band_cells = o.band_m / cell_m;
  const double b2 = band_cells * band_cells + kBandEpsilon;
  const auto r = static_cast<int32_t>(std::floor(band_cells + kBandEpsilon));
  std::vector<int32_t> half;
  half.reserve(2 * static_cast<size_t>(r) + 1);  // r >= 0
  for (int32_t dy = -r; dy <= r; ++dy)
    half.push_back(static_cast<int32_t>(std::floor(std::sqrt(b2 - double(dy) * dy))));
  return half;
}

}  // namespace

double TwoSidedP(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

std::optional<double> BenjaminiHochbergCritical(const std::vector<double>& p, double alpha,
                                                const std::vector<uint8_t>& in) {
  std::vector<double> sorted;
  sorted.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    if (In(in, i)) sorted.push_back(p[i]);
  std::sort(sorted.begin(), sorted.end());
  const double m = static_cast<double>(sorted.size());
  for (size_t k = sorted.size(); k > 0; --k)
    if (sorted[k - 1] <= alpha * static_cast<double>(k) / m) return sorted[k - 1];
  return std::nullopt;
}

std::vector<int8_t> ConfidenceBins(const std::vector<double>& z, const std::vector<double>& p,
                                   bool fdr, const std::vector<uint8_t>& in,
                                   double critical_p[3]) {
  // Levels from the weakest (bin 1) to the strongest (bin 3).
  const double alphas[3] = {0.10, 0.05, 0.01};
  double crit[3];
  bool any[3];
  for (int l = 0; l < 3; ++l) {
    if (fdr) {
      auto c = BenjaminiHochbergCritical(p, alphas[l], in);
      any[l] = c.has_value();
      crit[l] = c.value_or(0.0);
    } else {
      any[l] = true;
      crit[l] = alphas[l];
    }
    if (critical_p) critical_p[l] = crit[l];
  }
  std::vector<int8_t> bins(p.size(), 0);
  for (size_t i = 0; i < p.size(); ++i) {
    if (!In(in, i)) continue;
    int8_t level = 0;
    for (int l = 0; l < 3; ++l)
      if (any[l] && p[i] <= crit[l]) level = static_cast<int8_t>(l + 1);
    bins[i] = z[i] < 0 ? static_cast<int8_t>(-level) : level;
  }
  return bins;
}

Result<GiResult> GetisOrdGiStar(const Raster& counts, const GiOptions& o) {
  if (counts.width <= 0 || counts.height <= 0 || counts.values.size() != counts.size())
    return InvalidArgument("the raster must be width x height values");
  if (!(counts.cell_m > 0)) return InvalidArgument("the cell size must be positive");
  if (!o.mask.empty() && o.mask.size() != counts.size())
    return InvalidArgument("the mask must have one entry per cell");
  if (o.neighbourhood == Neighbourhood::kDistanceBand) {
    if (!(o.band_m >= counts.cell_m))
      return InvalidArgument("the distance band must be at least one cell (" +
                             std::to_string(counts.cell_m) + " m)");
    if (o.band_m > kMaxBandCells * counts.cell_m)
      return InvalidArgument("the distance band must be at most 100 cells");
  }
  const int32_t w = counts.width, h = counts.height;
  const size_t cells = counts.size();

  GiResult out;
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < cells; ++i) {
    if (!In(o.mask, i)) continue;
    ++out.n;
    sum += counts.values[i];
    sum2 += counts.values[i] * counts.values[i];
  }
  if (out.n < 3) return InvalidArgument("the study area needs at least 3 cells");
  const double n = static_cast<double>(out.n);
  out.mean = sum / n;
  out.stddev = std::sqrt(std::max(0.0, sum2 / n - out.mean * out.mean));

  // Row prefix sums of the values and of the study-area indicator (masked cells add 0 to
  // both), so each neighbourhood row is two subtractions.
  const size_t stride = static_cast<size_t>(w) + 1;
  std::vector<double> vsum(stride * static_cast<size_t>(h), 0.0);
  std::vector<int32_t> csum(stride * static_cast<size_t>(h), 0);
  for (int32_t iy = 0; iy < h; ++iy) {
    for (int32_t ix = 0; ix < w; ++ix) {
      const size_t i = counts.Index(ix, iy);
      const size_t at = static_cast<size_t>(iy) * stride + static_cast<size_t>(ix);
      const bool in = In(o.mask, i);
      vsum[at + 1] = vsum[at] + (in ? counts.values[i] : 0.0);
      csum[at + 1] = csum[at] + (in ? 1 : 0);
    }
  }

  const std::vector<int32_t> half = RowHalfWidths(o, counts.cell_m);
  const auto r = static_cast<int32_t>(half.size() / 2);
  out.z.assign(cells, 0.0);
  out.p.assign(cells, 1.0);
  out.neighbours.assign(cells, 0);
  for (int32_t iy = 0; iy < h; ++iy) {
    for (int32_t ix = 0; ix < w; ++ix) {
      const size_t i = counts.Index(ix, iy);
      if (!In(o.mask, i)) continue;
      double local = 0;
      int64_t wi = 0;
      for (int32_t dy = -r; dy <= r; ++dy) {
        const int32_t y = iy + dy;
        if (y < 0 || y >= h) continue;
        const int32_t band_row = dy + r;  // 0 .. 2r
        const int32_t hw = half[static_cast<size_t>(band_row)];
        const int32_t lo = std::max(0, ix - hw), hi = std::min(w - 1, ix + hw);
        const size_t row = static_cast<size_t>(y) * stride;
        local += vsum[row + static_cast<size_t>(hi) + 1] - vsum[row + static_cast<size_t>(lo)];
        wi += csum[row + static_cast<size_t>(hi) + 1] - csum[row + static_cast<size_t>(lo)];
      }
      out.neighbours[i] = static_cast<int32_t>(wi);
      const double wd = static_cast<double>(wi);
      // Binary weights: sum of w = sum of w^2 = wi.
      const double var_term = (n * wd - wd * wd) / (n - 1.0);
      if (out.stddev <= 0 || var_term <= 0) continue;  // no variation: z = 0, p = 1
      const double z = (local - out.mean * wd) / (out.stddev * std::sqrt(var_term));
      out.z[i] = z;
      out.p[i] = TwoSidedP(z);
    }
  }
  out.bin = ConfidenceBins(out.z, out.p, o.fdr, o.mask, out.critical_p);
  return out;
}

int DefaultNeighbourCount(int64_t features) {
  const auto k = static_cast<int64_t>(std::llround(0.05 * static_cast<double>(features)));
  return static_cast<int>(std::clamp<int64_t>(k, 3, 30));
}

Result<double> DefaultDistanceBand(const Raster& counts, const std::vector<uint8_t>& mask) {
  if (counts.width <= 0 || counts.height <= 0 || counts.values.size() != counts.size())
    return InvalidArgument("the raster must be width x height values");
  if (!mask.empty() && mask.size() != counts.size())
    return InvalidArgument("the mask must have one entry per cell");
  const int32_t w = counts.width, h = counts.height;
  auto occupied = [&](int32_t ix, int32_t iy) {
    if (ix < 0 || iy < 0 || ix >= w || iy >= h) return false;
    const size_t i = counts.Index(ix, iy);
    return In(mask, i) && counts.values[i] != 0;
  };
  std::vector<std::pair<int32_t, int32_t>> features;
  for (int32_t iy = 0; iy < h; ++iy)
    for (int32_t ix = 0; ix < w; ++ix)
      if (occupied(ix, iy)) features.emplace_back(ix, iy);
  const int k = DefaultNeighbourCount(static_cast<int64_t>(features.size()));
  if (static_cast<int64_t>(features.size()) <= k)
    return InvalidArgument("too few non-empty cells for a default distance band (need more than " +
                           std::to_string(k) + ")");
  const int32_t max_ring = std::max(w, h);
  double total = 0;
  std::vector<double> d2;  // squared distances in cells
  for (const auto& [fx, fy] : features) {
    d2.clear();
    // Chebyshev rings outwards; every cell on ring r is at least r cells away, so once the
    // K-th nearest found so far is within r + 1 cells, no further ring can improve it.
    for (int32_t ring = 1; ring <= max_ring; ++ring) {
      for (int32_t dy = -ring; dy <= ring; ++dy) {
        const bool edge_row = dy == -ring || dy == ring;
        for (int32_t dx = -ring; dx <= ring; dx += edge_row ? 1 : 2 * ring) {
          if (occupied(fx + dx, fy + dy)) d2.push_back(double(dx) * dx + double(dy) * dy);
        }
      }
      if (static_cast<int>(d2.size()) >= k) {
        std::nth_element(d2.begin(), d2.begin() + (k - 1), d2.end());
        const double kth = d2[static_cast<size_t>(k - 1)];
        if (kth <= double(ring + 1) * double(ring + 1)) break;
      }
    }
    std::nth_element(d2.begin(), d2.begin() + (k - 1), d2.end());
    total += std::sqrt(d2[static_cast<size_t>(k - 1)]);
  }
  return total / static_cast<double>(features.size()) * counts.cell_m;
}

}  // namespace centinela::analytics
