#include "analytics/hotspots.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

namespace centinela::analytics {
namespace {

// 3 x 3 cells of 100 m, all zero except the north-east corner (2, 2) = 9.
//   n = 9, sum = 9, X-bar = 1, sum x^2 = 81, S = sqrt(81/9 - 1^2) = sqrt 8.
// Queen neighbourhood (3x3 block incl. self), binary weights, Wi = sum w = sum w^2:
//   corner (2,2): Wi = 4, local = 9:  z = (9 - 1*4) / (sqrt8 * sqrt((9*4 - 16)/8))
//                                       = 5 / (sqrt8 * sqrt2.5) = 5 / sqrt20 = 1.118034
//   centre (1,1): Wi = 9 = n, so (n Wi - Wi^2) = 0: no variation possible, z = 0
//   top edge (1,2) and right edge (2,1): Wi = 6, local = 9:
//                 z = (9 - 6) / (sqrt8 * sqrt((54 - 36)/8)) = 3 / (sqrt8 * 1.5) = 0.707107
//   other corners: Wi = 4, local 0: z = -4 / sqrt20 = -0.894427
//   left edge (0,1), bottom edge (1,0): Wi = 6, local 0: z = -6 / (sqrt8 * 1.5) = -1.414214
Raster Corner9() {
  Raster r = MakeRaster(3, 3, 100);
  r.at(2, 2) = 9;
  return r;
}

TEST(GiStar, QueenMatchesHandComputation) {
  GiOptions o;
  o.neighbourhood = Neighbourhood::kQueen;
  o.fdr = false;
  auto g = GetisOrdGiStar(Corner9(), o);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const Raster shape = Corner9();
  auto z = [&](int x, int y) { return g->z[shape.Index(x, y)]; };
  EXPECT_EQ(g->n, 9);
  EXPECT_DOUBLE_EQ(g->mean, 1.0);
  EXPECT_NEAR(g->stddev, std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(z(2, 2), 1.118034, 1e-6);
  EXPECT_EQ(z(1, 1), 0.0);
  EXPECT_EQ(g->p[shape.Index(1, 1)], 1.0);
  EXPECT_NEAR(z(1, 2), 0.707107, 1e-6);
  EXPECT_NEAR(z(2, 1), 0.707107, 1e-6);
  for (auto [x, y] : {std::pair{0, 0}, {2, 0}, {0, 2}}) EXPECT_NEAR(z(x, y), -0.894427, 1e-6);
  EXPECT_NEAR(z(0, 1), -1.414214, 1e-6);
  EXPECT_NEAR(z(1, 0), -1.414214, 1e-6);
  EXPECT_EQ(g->neighbours[shape.Index(2, 2)], 4);
  EXPECT_EQ(g->neighbours[shape.Index(1, 1)], 9);
  // p(1.118034) = erfc(1.118034 / sqrt 2) = 0.263552; nothing reaches 90 %.
  EXPECT_NEAR(g->p[shape.Index(2, 2)], 0.263552, 1e-6);
  for (int8_t b : g->bin) EXPECT_EQ(b, 0);
}

TEST(GiStar, DistanceBandIncludesSelfAndCentresWithinTheBand) {
  // A 150 m band on 100 m cells reaches the diagonals (141 m): the same as queen.
  GiOptions queen;
  queen.neighbourhood = Neighbourhood::kQueen;
  GiOptions band;
  band.band_m = 150;
  auto a = GetisOrdGiStar(Corner9(), queen);
  auto b = GetisOrdGiStar(Corner9(), band);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < a->z.size(); ++i) EXPECT_DOUBLE_EQ(a->z[i], b->z[i]) << i;
  // A 100 m band is self + the 4 edge neighbours. Corner (2,2): Wi = 3, local = 9:
  //   z = (9 - 3) / (sqrt8 * sqrt((27 - 9)/8)) = 6 / (sqrt8 * 1.5) = 1.414214
  band.band_m = 100;
  auto c = GetisOrdGiStar(Corner9(), band);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->neighbours[8], 3);
  EXPECT_NEAR(c->z[8], 1.414214, 1e-6);
  // Exactly 200 m reaches two cells straight away (rounding must not drop it): the centre
  // cell then sees 9 cells, and (0,0) sees (2,0), (0,2), (1,1) but not (2,1): 6 cells.
  band.band_m = 200;
  auto d = GetisOrdGiStar(Corner9(), band);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->neighbours[0], 6);
  EXPECT_EQ(d->neighbours[4], 9);
}

TEST(GiStar, MaskLeavesCellsOutOfTheStudyArea) {
  // Masking out the left column leaves 6 cells: X-bar = 1.5, S = sqrt(81/6 - 2.25) = sqrt 11.25.
  // Queen corner (2,2) now has Wi = 4 (itself, (1,2), (1,1), (2,1)), local 9:
  //   z = (9 - 1.5*4) / (sqrt11.25 * sqrt((6*4 - 16)/5)) = 3 / (3.354102 * 1.264911) = 0.707107
  GiOptions o;
  o.neighbourhood = Neighbourhood::kQueen;
  o.mask.assign(9, 1);
  for (int y = 0; y < 3; ++y) o.mask[static_cast<size_t>(y * 3)] = 0;
  auto g = GetisOrdGiStar(Corner9(), o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->n, 6);
  EXPECT_NEAR(g->z[8], 0.707107, 1e-6);
  EXPECT_EQ(g->z[0], 0.0);
  EXPECT_EQ(g->neighbours[0], 0);
  EXPECT_EQ(g->neighbours[4], 6);  // centre: columns 1..2 of three rows
}

TEST(GiStar, RejectsBadInput) {
  GiOptions o;
  o.band_m = 50;  // less than a cell
  EXPECT_EQ(GetisOrdGiStar(Corner9(), o).status().code(), Code::kInvalidArgument);
  o.band_m = 100 * 101;
  EXPECT_EQ(GetisOrdGiStar(Corner9(), o).status().code(), Code::kInvalidArgument);
  o.band_m = 150;
  o.mask = {1, 1};
  EXPECT_EQ(GetisOrdGiStar(Corner9(), o).status().code(), Code::kInvalidArgument);
  Raster bad = Corner9();
  bad.values.pop_back();
  EXPECT_EQ(GetisOrdGiStar(bad, GiOptions{.band_m = 150}).status().code(),
            Code::kInvalidArgument);
  Raster tiny = MakeRaster(2, 1, 100);
  EXPECT_EQ(GetisOrdGiStar(tiny, GiOptions{.band_m = 150}).status().code(),
            Code::kInvalidArgument);
}

TEST(GiStar, ConstantSurfaceHasNoHotspots) {
  Raster r = MakeRaster(10, 10, 100);
  std::fill(r.values.begin(), r.values.end(), 4.0);
  auto g = GetisOrdGiStar(r, GiOptions{.band_m = 250});
  ASSERT_TRUE(g.ok());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(g->z[i], 0.0);
    EXPECT_EQ(g->bin[i], 0);
  }
}

// Properties: Gi* is invariant under x -> a x + b (a > 0) and flips sign under x -> -x;
// a strong cluster planted in noise comes out as a 99 % hot spot even after FDR.
TEST(GiStar, AffineInvarianceAndAPlantedCluster) {
  std::mt19937_64 rng(7);
  std::poisson_distribution<int> noise(2.0);
  Raster r = MakeRaster(30, 20, 250);
  for (double& v : r.values) v = noise(rng);
  for (int y = 8; y <= 10; ++y)
    for (int x = 14; x <= 16; ++x) r.at(x, y) += 25;
  GiOptions o{.band_m = 600};
  auto g = GetisOrdGiStar(r, o);
  ASSERT_TRUE(g.ok());
  Raster scaled = r;
  for (double& v : scaled.values) v = 3 * v + 11;
  Raster negated = r;
  for (double& v : negated.values) v = -v;
  auto gs = GetisOrdGiStar(scaled, o);
  auto gn = GetisOrdGiStar(negated, o);
  ASSERT_TRUE(gs.ok() && gn.ok());
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_NEAR(gs->z[i], g->z[i], 1e-9);
    EXPECT_NEAR(gn->z[i], -g->z[i], 1e-9);
    EXPECT_EQ(gn->bin[i], -g->bin[i]);
  }
  EXPECT_EQ(g->bin[r.Index(15, 9)], 3);
  EXPECT_GT(g->z[r.Index(15, 9)], 5);
  // FDR is never more permissive than the uncorrected bins.
  GiOptions raw = o;
  raw.fdr = false;
  auto gr = GetisOrdGiStar(r, raw);
  ASSERT_TRUE(gr.ok());
  int fdr_sig = 0, raw_sig = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_LE(std::abs(g->bin[i]), std::abs(gr->bin[i])) << i;
    fdr_sig += g->bin[i] != 0;
    raw_sig += gr->bin[i] != 0;
  }
  EXPECT_GT(fdr_sig, 0);
  EXPECT_LE(fdr_sig, raw_sig);
  EXPECT_LE(g->critical_p[2], g->critical_p[1]);
  EXPECT_LE(g->critical_p[1], g->critical_p[0]);
}

TEST(TwoSidedP, StandardQuantiles) {
  EXPECT_NEAR(TwoSidedP(1.644854), 0.10, 1e-6);
  EXPECT_NEAR(TwoSidedP(-1.959964), 0.05, 1e-6);
  EXPECT_NEAR(TwoSidedP(2.575829), 0.01, 1e-6);
  EXPECT_DOUBLE_EQ(TwoSidedP(0), 1.0);
}

// The classic Benjamini-Hochberg example, m = 10 sorted p-values.
//   alpha = 0.05: thresholds 0.005k; p(1)=0.001 <= 0.005, p(2)=0.008 <= 0.010, p(3)=0.039 >
//     0.015 and no later p(k) <= 0.005k, so the critical value is p(2) = 0.008.
//   alpha = 0.10: thresholds 0.01k; p(5)=0.042 <= 0.05 and p(6)=0.060 <= 0.06, p(7)=0.074 >
//     0.07, p(8..10) >= 0.205 > 0.1: critical value p(6) = 0.060.
//   alpha = 0.01: thresholds 0.001k; p(1)=0.001 <= 0.001 only: critical value 0.001.
const std::vector<double> kP = {0.216, 0.001, 0.039, 0.060, 0.205,
                                0.041, 0.074, 0.008, 0.212, 0.042};

TEST(Fdr, BenjaminiHochbergCriticalValues) {
  EXPECT_DOUBLE_EQ(*BenjaminiHochbergCritical(kP, 0.05), 0.008);
  EXPECT_DOUBLE_EQ(*BenjaminiHochbergCritical(kP, 0.10), 0.060);
  EXPECT_DOUBLE_EQ(*BenjaminiHochbergCritical(kP, 0.01), 0.001);
  EXPECT_FALSE(BenjaminiHochbergCritical({0.5, 0.9, 0.2}, 0.05).has_value());
  // Leaving out the first five cells leaves m = 5: {0.041, 0.074, 0.008, 0.212, 0.042}
  // sorted 0.008, 0.041, 0.042, 0.074, 0.212; alpha 0.10 thresholds 0.02k: 0.008 <= 0.02,
  // 0.041 <= 0.04? no (0.041 > 0.04), 0.042 <= 0.06 yes, 0.074 <= 0.08 yes, 0.212 > 0.1
  // -> critical 0.074.
  std::vector<uint8_t> in = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(*BenjaminiHochbergCritical(kP, 0.10, in), 0.074);
}

TEST(Fdr, BinsWithAndWithoutCorrection) {
  std::vector<double> z(kP.size(), 3.0);
  z[3] = -3.0;  // the cell with p = 0.060 is a cold spot
  double crit[3];
  auto bins = ConfidenceBins(z, kP, true, {}, crit);
  // With FDR: 0.001 <= 0.001 -> 3; 0.008 <= 0.008 -> 2; 0.039, 0.041, 0.042, 0.060 <= 0.060
  // -> 1 (cold for 0.060); 0.074 and above -> 0.
  EXPECT_EQ(bins, (std::vector<int8_t>{0, 3, 1, -1, 0, 1, 0, 2, 0, 1}));
  EXPECT_DOUBLE_EQ(crit[0], 0.060);
  EXPECT_DOUBLE_EQ(crit[1], 0.008);
  EXPECT_DOUBLE_EQ(crit[2], 0.001);
  // Without: 0.001, 0.008 <= 0.01 -> 3; 0.039..0.042 <= 0.05 -> 2; 0.060, 0.074 <= 0.10 -> 1.
  bins = ConfidenceBins(z, kP, false);
  EXPECT_EQ(bins, (std::vector<int8_t>{0, 3, 2, -1, 0, 2, 1, 3, 0, 2}));
}

TEST(DefaultBand, NeighbourCountRule) {
  EXPECT_EQ(DefaultNeighbourCount(10), 3);    // round(0.5) = 1 -> at least 3
  EXPECT_EQ(DefaultNeighbourCount(70), 4);    // round(3.5) = 4
  EXPECT_EQ(DefaultNeighbourCount(100), 5);
  EXPECT_EQ(DefaultNeighbourCount(1000), 30);  // 50 -> at most 30
}

TEST(DefaultBand, MeanDistanceToTheKthNearestNonEmptyCell) {
  // Five non-empty cells in a row on 100 m cells, K = 3:
  //   ends: neighbours at 100, 200, 300 -> 300; the three inner cells: 100, 100, 200, (300)
  //   -> 200. Mean = (300 + 200 + 200 + 200 + 300) / 5 = 240 m.
  Raster r = MakeRaster(5, 5, 100);
  for (int x = 0; x < 5; ++x) r.at(x, 2) = 1 + x;
  auto band = DefaultDistanceBand(r);
  ASSERT_TRUE(band.ok()) << band.status().message();
  EXPECT_NEAR(*band, 240.0, 1e-9);
  // A diagonal neighbour is sqrt2 cells away: move the last cell up one row.
  //   (3,2): (2,2) 100, (4,3) 141.4, (1,2) 200 -> 200
  //   (4,3): sqrt2, sqrt5, sqrt10 cells -> 316.2; (0,2): 100, 200, 300 -> 300;
  //   (1,2): 100, 100, 200 -> 200; (2,2): 100, 100, 200 -> 200.
  //   Mean = (300 + 200 + 200 + 200 + 316.2278) / 5 = 243.2456
  r.at(4, 2) = 0;
  r.at(4, 3) = 1;
  band = DefaultDistanceBand(r);
  ASSERT_TRUE(band.ok());
  EXPECT_NEAR(*band, (300 + 200 + 200 + 200 + 100 * std::sqrt(10.0)) / 5, 1e-9);
  Raster few = MakeRaster(5, 5, 100);
  few.at(0, 0) = 1;
  few.at(1, 1) = 1;
  few.at(2, 2) = 1;
  EXPECT_EQ(DefaultDistanceBand(few).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace centinela::analytics
