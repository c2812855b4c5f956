#pragma once
// Hotspot statistics over a raster of counts: the Getis-Ord Gi* z-score of every cell, its
// two-sided p-value, and the confidence bins (-3..+3) that ArcGIS's "Hot Spot Analysis
// (Getis-Ord Gi*)" writes to Gi_Bin, optionally with its False Discovery Rate correction
// (the default of "Optimized Hot Spot Analysis"). Formulas, the neighbourhood choice and
// the FDR procedure are written out in docs/analytics.md. Pure functions over values.

#include <cstdint>
#include <optional>
#include <vector>

#include "analytics/raster.h"
#include "common/status.h"

namespace centinela::analytics {

//! Which cells are a cell's neighbours. Both include the cell itself (that is the "*" in
//! Gi*), both use binary weights (1 inside, 0 outside).
enum class Neighbourhood {
  kDistanceBand,  //!< every cell whose centre lies within band_m of this cell's centre
  kQueen,         //!< the 3x3 block around the cell (queen contiguity) plus itself
};

//! Largest band, in cells, that GetisOrdGiStar accepts (bounds the work per cell).
inline constexpr double kMaxBandCells = 100;

struct GiOptions {
  Neighbourhood neighbourhood = Neighbourhood::kDistanceBand;
  //! Fixed distance band in metres (kDistanceBand only); must be >= the cell size, so
  //! every cell has at least its four edge neighbours, and <= kMaxBandCells cells.
  double band_m = 0;
  //! Apply the Benjamini-Hochberg FDR correction when binning (ArcGIS "Apply False
  //! Discovery Rate (FDR) Correction"; always on in Optimized Hot Spot Analysis).
  bool fdr = true;
  //! Optional study area: cells with mask[i] == 0 are left out of n, the mean, the
  //! variance and every neighbourhood (e.g. cells outside the precinct). Empty = all cells.
  std::vector<uint8_t> mask = {};
};

struct GiResult {
  std::vector<double> z;         //!< Gi* z-score per cell (0 outside the study area)
  std::vector<double> p;         //!< two-sided p-value per cell, not FDR-corrected (1 outside)
  std::vector<int8_t> bin;       //!< -3..+3: +-3 = 99 %, +-2 = 95 %, +-1 = 90 %, 0 = not significant
  std::vector<int32_t> neighbours;  //!< cells in each neighbourhood, itself included (0 outside)
  int64_t n = 0;       //!< cells in the study area
  double mean = 0;     //!< X-bar over the study area
  double stddev = 0;   //!< S (population form, divides by n)
  //! With fdr: the largest p-value still significant at 90 / 95 / 99 % (0 when no cell is).
  //! Without fdr: 0.10 / 0.05 / 0.01.
  double critical_p[3] = {0, 0, 0};
};

//! Gi* for every cell of `counts`. kInvalidArgument for an empty or mis-shaped raster, a
//! mask of the wrong size, fewer than 3 cells in the study area, or a band out of range.
Result<GiResult> GetisOrdGiStar(const Raster& counts, const GiOptions& options);

//! Two-sided p-value of a standard normal z-score: P(|Z| >= |z|) = erfc(|z| / sqrt 2).
double TwoSidedP(double z);

//! Benjamini-Hochberg at level alpha over the p-values of the cells with in[i] != 0 (all
//! when `in` is empty): sort them ascending p(1) <= ... <= p(m); the critical value is the
//! largest p(k) with p(k) <= alpha * k / m. nullopt when no p(k) qualifies (nothing is
//! significant).
std::optional<double> BenjaminiHochbergCritical(const std::vector<double>& p, double alpha,
                                                const std::vector<uint8_t>& in = {});

//! Gi_Bin as ArcGIS assigns it: +-3 when p <= the 99 % critical value, +-2 at 95 %, +-1 at
//! 90 %, 0 otherwise; the sign is the sign of z. Without fdr the critical values are
//! 0.01 / 0.05 / 0.10; with fdr they come from BenjaminiHochbergCritical at each level.
//! Cells with in[i] == 0 get bin 0. Writes the critical values used to critical_p.
std::vector<int8_t> ConfidenceBins(const std::vector<double>& z, const std::vector<double>& p,
                                   bool fdr, const std::vector<uint8_t>& in = {},
                                   double critical_p[3] = nullptr);

//! The K of the "average distance to K nearest neighbours" band: 5 % of the features,
//! never fewer than 3 nor more than 30 (the rule Optimized Hot Spot Analysis documents for
//! when incremental spatial autocorrelation finds no peak).
int DefaultNeighbourCount(int64_t features);

//! A default distance band for the raster: the features are the non-empty cells of the
//! study area; for each, the distance (centre to centre) to its K-th nearest other
//! non-empty cell, K = DefaultNeighbourCount(features); the band is the mean of those
//! distances. kInvalidArgument when there are not more than K non-empty cells.
Result<double> DefaultDistanceBand(const Raster& counts, const std::vector<uint8_t>& mask = {});

}  // namespace centinela::analytics
