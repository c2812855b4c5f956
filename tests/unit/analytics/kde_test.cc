#include "analytics/kde.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace centinela::analytics {
namespace {

// One event at the centre of cell (1,1) of a 3 x 3 raster of 100 m cells (x0 = y0 = 0, so
// the event is at (150, 150)), bandwidth h = 200 m. Per m^2: 3 / (pi h^2) (1 - d^2/h^2)^2,
// 3 / (pi * 40,000) = 2.387324e-5; per km^2 multiply by 1e6:
//   own cell, d = 0:            23.873241
//   edge neighbours, d = 100:   (1 - 0.25)^2 = 0.5625 -> 13.428698
//   diagonals, d = 141.42:      (1 - 0.5)^2  = 0.25   ->  5.968310
TEST(Kde, QuarticKernelByHand) {
  Raster shape = MakeRaster(3, 3, 100);
  auto d = KernelDensity({{150, 150, 1}}, shape, 200);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_NEAR(d->at(1, 1), 23.873241, 1e-6);
  for (auto [x, y] : {std::pair{0, 1}, {2, 1}, {1, 0}, {1, 2}})
    EXPECT_NEAR(d->at(x, y), 13.428698, 1e-6);
  for (auto [x, y] : {std::pair{0, 0}, {2, 0}, {0, 2}, {2, 2}})
    EXPECT_NEAR(d->at(x, y), 5.968310, 1e-6);
  // Weights and superposition: a second event of weight 2 at the same place triples it.
  auto d3 = KernelDensity({{150, 150, 1}, {150, 150, 2}}, shape, 200);
  ASSERT_TRUE(d3.ok());
  EXPECT_NEAR(d3->at(1, 1), 3 * 23.873241, 1e-5);
  // At d >= h the kernel is 0: an event 200 m east of (0,1)'s centre leaves (0,1) at 0.
  auto far = KernelDensity({{250, 150, 1}}, shape, 200);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->at(0, 1), 0.0);
  EXPECT_NEAR(far->at(2, 1), 23.873241, 1e-6);
  EXPECT_DOUBLE_EQ(QuarticKernel(0, 200), 3 / (std::numbers::pi * 40'000));
  EXPECT_EQ(QuarticKernel(200, 200), 0.0);
}

// The surface integrates to the number of events when no kernel crosses the edge:
// sum(density per km^2 * cell area in km^2) ~ n. With h = 6 cells the midpoint rule is
// accurate to well under 1 %.
TEST(Kde, IntegratesToTheEventCount) {
  Raster shape = MakeRaster(120, 100, 50, -3000, -2500);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> ux(-1500, 1500), uy(-1000, 1000);
  std::vector<PointEvent> events;
  for (int i = 0; i < 1000; ++i) events.push_back({ux(rng), uy(rng), 1});
  auto d = KernelDensity(events, shape, 300);
  ASSERT_TRUE(d.ok());
  double mass = 0;
  for (double v : d->values) mass += v * (0.05 * 0.05);
  EXPECT_NEAR(mass, 1000.0, 5.0);
  for (double v : d->values) EXPECT_GE(v, 0.0);
}

TEST(Kde, RejectsBadBandwidths) {
  Raster shape = MakeRaster(3, 3, 100);
  EXPECT_EQ(KernelDensity({}, shape, 50).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(KernelDensity({}, shape, 100 * 201).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(KernelDensity({}, MakeRaster(0, 3, 100), 200).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace centinela::analytics
