#include "geo/grid.h"

#include <gtest/gtest.h>

#include "geo/geometry.h"

namespace centinela::geo {
namespace {

TEST(GridTest, RejectsCellSizesOutsideTheRange) {
  EXPECT_FALSE(Grid::Make(19.4, -99.1, 49.9).ok());
  EXPECT_FALSE(Grid::Make(19.4, -99.1, 2000.1).ok());
  EXPECT_FALSE(Grid::Make(19.4, -99.1, std::nan("")).ok());
  EXPECT_FALSE(Grid::Make(89.0, -99.1, 250).ok());
  EXPECT_TRUE(Grid::Make(19.4, -99.1, 50).ok());
  EXPECT_TRUE(Grid::Make(19.4, -99.1, 2000).ok());
}

TEST(GridTest, CellSizeIsMetricInBothDirections) {
  // Worked by hand: one degree of latitude is R*pi/180 = 111,195.08 m; at 60 degrees a
  // degree of longitude is half of that, so a 1,000 m cell spans twice as many degrees.
  auto g = Grid::Make(60.0, 10.0, 1000);
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(g->cell_dlat(), 1000 / 111195.08, 1e-9);
  EXPECT_NEAR(g->cell_dlon(), 2 * 1000 / 111195.08, 1e-8);
}

TEST(GridTest, PointToCellIsHalfOpenAndSigned) {
  auto g = Grid::Make(-33.5, -70.65, 250);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->CellOf(-33.5, -70.65), (CellIndex{0, 0}));
  // Just inside the north-east of cell (0,0) and just past it.
  EXPECT_EQ(g->CellOf(-33.5 + g->cell_dlat() * 0.999, -70.65 + g->cell_dlon() * 0.999),
            (CellIndex{0, 0}));
  EXPECT_EQ(g->CellOf(-33.5 + g->cell_dlat() * 1.001, -70.65 + g->cell_dlon() * 1.001),
            (CellIndex{1, 1}));
  // South-west of the origin are negative indices, not truncation towards zero.
  EXPECT_EQ(g->CellOf(-33.5 - 1e-7, -70.65 - 1e-7), (CellIndex{-1, -1}));
  EXPECT_EQ(g->CellOf(-33.5 - 2.5 * g->cell_dlat(), -70.65 + 3.5 * g->cell_dlon()),
            (CellIndex{3, -3}));
}

TEST(GridTest, CentreRoundTripsAndLiesInItsCell) {
  auto g = Grid::Make(19.43, -99.13, 333);
  ASSERT_TRUE(g.ok());
  for (int ix = -40; ix <= 40; ix += 7) {
    for (int iy = -40; iy <= 40; iy += 9) {
      CellIndex c{ix, iy};
      LatLon centre = g->Centre(c);
      EXPECT_EQ(g->CellOf(centre.lat, centre.lon), c);
    }
  }
}

TEST(GridTest, PolygonIsAClosedCounterClockwiseRingOfTheCellSize) {
  auto g = Grid::Make(-34.6, -58.4, 500);
  ASSERT_TRUE(g.ok());
  auto ring = g->Polygon({4, -7});
  ASSERT_EQ(ring.size(), 5u);
  EXPECT_EQ(ring.front().lat, ring.back().lat);
  EXPECT_EQ(ring.front().lon, ring.back().lon);
  // Shoelace in degrees: positive = counter-clockwise.
  double twice_area = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i)
    twice_area += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
  EXPECT_GT(twice_area, 0);
  // Sides measured on the sphere are the cell size within the projection's error.
  double south = HaversineMeters(ring[0].lat, ring[0].lon, ring[1].lat, ring[1].lon);
  double east = HaversineMeters(ring[1].lat, ring[1].lon, ring[2].lat, ring[2].lon);
  EXPECT_NEAR(south, 500, 0.5);
  EXPECT_NEAR(east, 500, 0.01);
}

TEST(GridTest, ScaleErrorAtCityScaleIsWithinTheDocumentedBound) {
  // 20 km north of the reference at Buenos Aires: a 1,000 m east-west step measured on the
  // sphere differs from 1,000 m by about tan(lat0) * dlat (0.28% documented; check < 0.3%).
  auto g = Grid::Make(-34.6, -58.4, 1000);
  ASSERT_TRUE(g.ok());
  double lat = g->projection().lat(20'000);
  double lon_a = g->projection().lon(0), lon_b = g->projection().lon(1000);
  double d = HaversineMeters(lat, lon_a, lat, lon_b);
  EXPECT_LT(std::abs(d - 1000) / 1000, 0.003);
  EXPECT_GT(std::abs(d - 1000) / 1000, 0.001);  // it is an approximation, not exact
}

TEST(GridTest, FarPointsSaturateInsteadOfOverflowing) {
  auto g = Grid::Make(0, 0, 50);
  ASSERT_TRUE(g.ok());
  auto c = g->CellOf(1e12, -1e12);
  EXPECT_EQ(c.iy, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(c.ix, std::numeric_limits<int32_t>::min());
}

}  // namespace
}  // namespace centinela::geo
