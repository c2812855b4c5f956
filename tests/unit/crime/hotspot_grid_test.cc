#include "crime/hotspot_grid.h"

#include <gtest/gtest.h>

#include <cmath>

namespace centinela::crime {
namespace {

// Grid cells of 100 m at the equator: cell (ix, iy) is [ix*100, (ix+1)*100) m east/north.
geo::Grid Grid100() { return *geo::Grid::Make(0, 0, 100); }

// A 3 x 3 study area whose south-west cell is (10, 20), all zero but its north-east corner
// (12, 22) = 9: the hand-worked case of tests/unit/analytics/hotspots_test.cc (Corner9),
// shifted. With a band of 150 m (= queen): z(corner) = 5 / sqrt 20 = 1.118034; z(centre) = 0;
// the edges next to the corner 3 / (sqrt 8 * 1.5) = 0.707107; the far edges -1.414214.
GridCounts Corner9() {
  GridCounts c;
  c.cells = {{12, 22, 9}, {40, 40, 5}};  // (40, 40) lies outside the study area
  c.matched = 14;
  return c;
}

TEST(HotspotGrid, CountRasterPlacesCellsAndDropsOutsiders) {
  StudyArea s{10, 20, 3, 3, {}};
  analytics::Raster r = CountRaster(Grid100(), Corner9(), s);
  EXPECT_EQ(r.width, 3);
  EXPECT_EQ(r.height, 3);
  EXPECT_DOUBLE_EQ(r.x0, 1000);
  EXPECT_DOUBLE_EQ(r.y0, 2000);
  EXPECT_DOUBLE_EQ(r.at(2, 2), 9);
  double total = 0;
  for (double v : r.values) total += v;
  EXPECT_DOUBLE_EQ(total, 9);
}

TEST(HotspotGrid, GiStarOnTheStudyAreaMatchesTheHandWorkedCase) {
  StudyArea s{10, 20, 3, 3, {}};
  HotspotOptions o;
  o.band_m = 150;
  o.fdr = false;
  auto h = GridHotspots(Grid100(), Corner9(), s, o);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->gi.n, 9);
  EXPECT_FALSE(h->default_band);
  std::vector<HotspotCell> all = h->Cells(true);
  ASSERT_EQ(all.size(), 9u);
  auto at = [&](int ix, int iy) {
    for (const HotspotCell& c : all)
      if (c.ix == ix && c.iy == iy) return c;
    ADD_FAILURE() << ix << "," << iy;
    return HotspotCell{};
  };
  EXPECT_NEAR(at(12, 22).z, 1.118034, 1e-6);
  EXPECT_EQ(at(12, 22).count, 9u);
  EXPECT_EQ(at(11, 21).z, 0.0);
  EXPECT_NEAR(at(11, 22).z, 0.707107, 1e-6);
  EXPECT_NEAR(at(10, 21).z, -1.414214, 1e-6);
  // Nothing reaches 90 % (p(1.118) = 0.26): no significant cell.
  EXPECT_TRUE(h->Cells(false).empty());
  EXPECT_EQ(h->Hot(), 0);
  EXPECT_EQ(h->Cold(), 0);
}

TEST(HotspotGrid, MaskFromPolygonTestAndSignificantCells) {
  // A 20 x 20 study area with a 3 x 3 block of 50 in the middle and 1 elsewhere; the mask
  // leaves out the westmost column (cell centres west of 250 m). The block's centre is hot
  // at 99 % (with FDR) and every returned cell is inside the mask.
  geo::Grid grid = Grid100();
  geo::BBox box;
  box.min_lat = grid.Centre({0, 0}).lat;
  box.min_lon = grid.Centre({0, 0}).lon;
  box.max_lat = grid.Centre({19, 19}).lat;
  box.max_lon = grid.Centre({19, 19}).lon;
  const double west = grid.projection().lon(100);
  auto study =
      StudyAreaForBox(grid, box, [&](double, double lon) { return lon > west; });
  ASSERT_TRUE(study.ok()) << study.status().message();
  EXPECT_EQ(study->width, 20);
  EXPECT_EQ(study->height, 20);
  EXPECT_FALSE(study->In(0, 5));
  EXPECT_TRUE(study->In(1, 5));
  GridCounts counts;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x)
      counts.cells.push_back(
          {x, y, static_cast<uint32_t>(x >= 9 && x <= 11 && y >= 9 && y <= 11 ? 50 : 1)});
  HotspotOptions o;
  o.band_m = 150;
  auto h = GridHotspots(grid, counts, *study, o);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->gi.n, 19 * 20);
  std::vector<HotspotCell> sig = h->Cells(false);
  ASSERT_FALSE(sig.empty());
  bool centre_hot = false;
  for (const HotspotCell& c : sig) {
    EXPECT_NE(c.ix, 0);
    EXPECT_NE(c.bin, 0);
    if (c.ix == 10 && c.iy == 10) centre_hot = c.bin == 3;
  }
  EXPECT_TRUE(centre_hot);
  EXPECT_GT(h->Hot(), 0);
  EXPECT_EQ(h->Cells(true).size(), static_cast<size_t>(19 * 20));
}

TEST(HotspotGrid, DefaultBandAndBadBand) {
  StudyArea s{10, 20, 3, 3, {}};
  HotspotOptions o;
  o.band_m = 50;  // below one cell
  auto bad = GridHotspots(Grid100(), Corner9(), s, o);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  o.band_m = 0;  // default: needs more than K = 3 non-empty cells; here there is one
  auto few = GridHotspots(Grid100(), Corner9(), s, o);
  EXPECT_EQ(few.status().code(), Code::kUnprocessable);
}

TEST(HotspotGrid, StudyAreaOfCellsIsTheirBoundingRectangle) {
  auto s = StudyAreaOfCells(Corner9());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ix0, 12);
  EXPECT_EQ(s->iy0, 22);
  EXPECT_EQ(s->width, 29);
  EXPECT_EQ(s->height, 19);
  EXPECT_EQ(StudyAreaOfCells(GridCounts{}).status().code(), Code::kUnprocessable);
}

TEST(HotspotGrid, DensityFromFineCellsIntegratesToTheirCount) {
  // 10 events in one 50 m cell at the middle of a 40 x 40 study area of 100 m cells, h =
  // 800 m: the kernel is inside the area, so density x cell area sums to 10 (within 1 %).
  geo::Grid grid = Grid100();
  geo::Grid fine = *geo::Grid::Make(0, 0, 50);
  GridCounts fc;
  fc.cells = {{40, 40, 10}};  // centre (2025 m, 2025 m)
  StudyArea s{0, 0, 40, 40, {}};
  auto d = GridDensity(grid, s, fine, fc, 800);
  ASSERT_TRUE(d.ok()) << d.status().message();
  double total = 0;
  for (double v : d->values) total += v * 0.01;  // per km^2 x 0.01 km^2
  EXPECT_NEAR(total, 10, 0.1);
  // The peak is at the cell whose centre is nearest the event, 3/(pi h^2) * 10 per m^2.
  EXPECT_NEAR(d->at(20, 20), 10 * 3 / (M_PI * 800 * 800) * 1e6 * std::pow(1 - (25.0 * 25 * 2) / (800.0 * 800), 2), 1e-6);
  geo::Grid other = *geo::Grid::Make(1, 0, 50);
  EXPECT_EQ(GridDensity(grid, s, other, fc, 800).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace centinela::crime
