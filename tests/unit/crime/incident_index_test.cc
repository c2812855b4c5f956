#include "crime/incident_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace centinela::crime {
namespace {

constexpr int64_t kDay = 86'400'000;

IncidentInput At(int64_t t, double lat, double lon, const char* cat, const char* fam,
                 bool informal = false) {
  IncidentInput in;
  in.time_ms = t;
  in.located = true;
  in.lat = lat;
  in.lon = lon;
  in.category = cat;
  in.family = fam;
  in.informal = informal;
  return in;
}

TEST(IncidentIndexTest, GridCountsByHand) {
  IncidentIndex idx;
  auto grid = geo::Grid::Make(-33.5, -70.65, 1000);
  ASSERT_TRUE(grid.ok());
  const double dlat = grid->cell_dlat(), dlon = grid->cell_dlon();
  // Two in cell (0,0), one in (2,-1), one informal in (0,0), one without coordinates.
  std::vector<IncidentInput> in = {
      At(1000, -33.5 + 0.2 * dlat, -70.65 + 0.3 * dlon, "robo", "crime"),
      At(2000, -33.5 + 0.7 * dlat, -70.65 + 0.9 * dlon, "hurto", "crime"),
      At(3000, -33.5 - 0.5 * dlat, -70.65 + 2.5 * dlon, "amenaza", "violence"),
      At(4000, -33.5 + 0.5 * dlat, -70.65 + 0.5 * dlon, "robo", "crime", true),
  };
  IncidentInput unlocated;
  unlocated.time_ms = 5000;
  unlocated.category = "robo";
  unlocated.family = "crime";
  unlocated.areas = {"13105"};
  in.push_back(unlocated);
  idx.Add(in);

  IncidentFilter all;
  GridCounts g = idx.Grid(*grid, all);
  EXPECT_EQ(g.matched, 5u);
  EXPECT_EQ(g.unlocated, 1u);
  ASSERT_EQ(g.cells.size(), 2u);
  EXPECT_EQ(g.cells[0].ix, 2);  // sorted by iy first: row -1 comes before row 0
  EXPECT_EQ(g.cells[0].iy, -1);
  EXPECT_EQ(g.cells[0].count, 1u);
  EXPECT_EQ(g.cells[1].ix, 0);
  EXPECT_EQ(g.cells[1].count, 3u);

  IncidentFilter formal;
  formal.source = SourceFilter::kFormal;
  EXPECT_EQ(idx.Grid(*grid, formal).cells[1].count, 2u);
  IncidentFilter informal;
  informal.source = SourceFilter::kInformal;
  EXPECT_EQ(idx.Count(informal), 1u);
  IncidentFilter violence;
  violence.families = {"violence"};
  EXPECT_EQ(idx.Count(violence), 1u);
  IncidentFilter window;
  window.from_ms = 2000;
  window.to_ms = 4000;  // half-open: 2000 and 3000
  EXPECT_EQ(idx.Count(window), 2u);
  IncidentFilter in_area;
  in_area.areas = std::vector<std::string>{"13105"};
  EXPECT_EQ(idx.Count(in_area), 1u);
  EXPECT_EQ(idx.PerArea(in_area).at("13105"), 1u);
  IncidentFilter unknown_category;
  unknown_category.categories = {"nothing_like_this"};
  EXPECT_EQ(idx.Count(unknown_category), 0u);
}

TEST(IncidentIndexTest, DateUnknownRowsOnlyWithoutATimeWindow) {
  IncidentIndex idx;
  IncidentInput in = At(1000, 1, 1, "robo", "crime");
  in.date_known = false;
  idx.Add({in, At(1000, 1, 1, "robo", "crime")});
  EXPECT_EQ(idx.Count({}), 2u);
  IncidentFilter f;
  f.from_ms = 0;
  EXPECT_EQ(idx.Count(f), 1u);
  WeekMatrix m = idx.Matrix({}, 0);
  uint64_t total = 0;
  for (const auto& d : m)
    for (uint64_t n : d) total += n;
  EXPECT_EQ(total, 1u);
}

TEST(IncidentIndexTest, MatrixUsesLocalWeekdayAndHour) {
  IncidentIndex idx;
  // 1970-01-05 was a Monday. 02:30 UTC that day is Sunday 22:30 at -04:00.
  int64_t t = 4 * kDay + 150 * 60000;
  idx.Add({At(t, 0, 0, "robo", "crime")});
  WeekMatrix utc = idx.Matrix({}, 0);
  EXPECT_EQ(utc[0][2], 1u);
  WeekMatrix local = idx.Matrix({}, -240);
  EXPECT_EQ(local[6][22], 1u);
}

TEST(IncidentIndexTest, DailySeriesInLocalDays) {
  IncidentIndex idx;
  idx.Add({At(10 * kDay + 1, 0, 0, "robo", "crime"),
           At(10 * kDay + 5 * 3600000, 0, 0, "robo", "crime"),
           At(12 * kDay + 5 * 3600000, 0, 0, "hurto", "crime")});
  // At -04:00 the first is still local day 9; the second is local day 10.
  std::vector<uint64_t> d = idx.Daily({}, 9, 4, -240);
  EXPECT_EQ(d, (std::vector<uint64_t>{1, 1, 0, 1}));
}

// The tail, the merge and the dense/sparse counters must all agree with counting one by one.
TEST(IncidentIndexTest, MatchesBruteForceAcrossMergesAndSparseGrids) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-33.6, -33.4), lon(-70.75, -70.55);
  std::uniform_int_distribution<int64_t> t(0, 400 * kDay);
  const char* cats[] = {"robo", "hurto", "amenaza"};
  std::vector<IncidentInput> all;
  IncidentIndex idx;
  for (int batch = 0; batch < 12; ++batch) {
    std::vector<IncidentInput> b;
    int n = batch % 3 == 0 ? 9000 : 700;  // some batches land in the tail, some merge
    for (int i = 0; i < n; ++i) {
      IncidentInput in = At(t(rng), lat(rng), lon(rng), cats[i % 3],
                            i % 3 == 2 ? "violence" : "crime", i % 5 == 0);
      if (i % 97 == 0) {  // a far-away point forces the sparse counters for small cells
        in.lat = 19.4;
        in.lon = -99.1;
      }
      b.push_back(in);
    }
    idx.Add(b);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(idx.size(), all.size());
  for (double cell : {50.0, 250.0, 2000.0}) {
    auto grid = geo::Grid::Make(-33.5, -70.65, cell);
    ASSERT_TRUE(grid.ok());
    IncidentFilter f;
    f.from_ms = 30 * kDay;
    f.to_ms = 61 * kDay;
    f.categories = {"robo", "amenaza"};
    f.source = SourceFilter::kFormal;
    std::map<std::pair<int, int>, uint32_t> expected;
    for (const IncidentInput& in : all) {
      if (in.time_ms < *f.from_ms || in.time_ms >= *f.to_ms || in.informal ||
          in.category == "hurto")
        continue;
      // Through the same 1e-7 degree rounding the index stores.
      double la = std::llround(in.lat * 1e7) * 1e-7, lo = std::llround(in.lon * 1e7) * 1e-7;
      geo::CellIndex c = grid->CellOf(la, lo);
      ++expected[{c.iy, c.ix}];
    }
    GridCounts g = idx.Grid(*grid, f);
    std::map<std::pair<int, int>, uint32_t> got;
    for (const CellCount& c : g.cells) got[{c.iy, c.ix}] = c.count;
    EXPECT_EQ(got, expected) << "cell " << cell;
  }
}

}  // namespace
}  // namespace centinela::crime
