#include "tracking/position_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace centinela::tracking {
namespace {

double DistM(double lat1, double lon1, double lat2, double lon2) {
  const double r = M_PI / 180;
  double a = std::pow(std::sin((lat2 - lat1) * r / 2), 2) +
             std::cos(lat1 * r) * std::cos(lat2 * r) * std::pow(std::sin((lon2 - lon1) * r / 2), 2);
  return 2 * 6'371'008.8 * std::asin(std::sqrt(a));
}

TEST(PositionIndex, KeepsTheNewestFixPerUnit) {
  PositionIndex idx;
  idx.Update({"u1", -33.40, -70.60, 2000, 2000});
  idx.Update({"u1", -33.50, -70.70, 1000, 2100});  // older fix arriving late: ignored
  auto f = idx.Get("u1");
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->lat, -33.40);
  idx.Update({"u1", -33.45, -70.65, 3000, 3000});
  EXPECT_DOUBLE_EQ(idx.Get("u1")->lat, -33.45);
  EXPECT_EQ(idx.size(), 1u);
  // The tree moved with the unit: the old place no longer finds it.
  int near_old = 0;
  idx.ForEachNear(-33.40, -70.60, 500, [&](const LatestFix&) { ++near_old; });
  EXPECT_EQ(near_old, 0);
  idx.Remove("u1");
  EXPECT_FALSE(idx.Get("u1"));
  EXPECT_EQ(idx.size(), 0u);
}

// Against brute force over random units: ForEachNear returns a superset of the circle.
TEST(PositionIndex, NearIsASupersetOfTheCircle) {
  PositionIndex idx;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lat(-34.0, -33.0), lon(-71.2, -70.2);
  std::vector<LatestFix> all;
  for (int i = 0; i < 5000; ++i) {
    LatestFix f{"u" + std::to_string(i), lat(rng), lon(rng), 1000, 1000};
    idx.Update(f);
    all.push_back(f);
  }
  for (double radius : {200.0, 2000.0, 15000.0}) {
    std::set<std::string> got;
    idx.ForEachNear(-33.45, -70.66, radius, [&](const LatestFix& f) { got.insert(f.unit_id); });
    int inside = 0;
    for (const auto& f : all) {
      if (DistM(-33.45, -70.66, f.lat, f.lon) <= radius) {
        ++inside;
        EXPECT_TRUE(got.count(f.unit_id)) << f.unit_id << " at r=" << radius;
      }
    }
    EXPECT_GE(got.size(), static_cast<size_t>(inside));
    EXPECT_LT(got.size(), static_cast<size_t>(inside) * 2 + 10);  // a box, not everything
  }
}

// Against brute force: Nearest returns the n closest units by great-circle distance,
// nearest first, with their distances; in Buenos Aires and across the antimeridian.
TEST(PositionIndex, NearestMatchesBruteForce) {
  struct Place {
    double lat, lon, span;
  };
  for (Place c : {Place{-34.61, -58.44, 0.3}, Place{-16.5, 179.9, 0.5}, Place{89.7, 0, 0.2}}) {
    PositionIndex idx;
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> dlat(-c.span, c.span), dlon(-c.span, c.span);
    std::vector<LatestFix> all;
    for (int i = 0; i < 3000; ++i) {
      double lon = c.lon + dlon(rng);
      if (lon > 180) lon -= 360;
      LatestFix f{"u" + std::to_string(i), std::clamp(c.lat + dlat(rng), -90.0, 90.0), lon, 1000,
                  1000};
      all.push_back(f);
    }
    idx.UpdateMany(all);
    ASSERT_EQ(idx.size(), all.size());
    for (int q = 0; q < 20; ++q) {
      const double qlat = std::clamp(c.lat + dlat(rng), -90.0, 90.0);
      double qlon = c.lon + dlon(rng);
      if (qlon > 180) qlon -= 360;
      std::vector<std::pair<double, std::string>> brute;
      for (const auto& f : all) brute.emplace_back(DistM(qlat, qlon, f.lat, f.lon), f.unit_id);
      std::sort(brute.begin(), brute.end());
      auto got = idx.Nearest(qlat, qlon, 7);
      ASSERT_EQ(got.size(), 7u);
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_NEAR(got[i].second, brute[i].first, 1e-3) << "rank " << i << " at " << c.lat;
        if (i > 0) {
          EXPECT_LE(got[i - 1].second, got[i].second);
        }
      }
    }
  }
  PositionIndex empty;
  EXPECT_TRUE(empty.Nearest(0, 0, 5).empty());
}

// A moving unit is found at its new place only; a batch keeps each unit's newest fix.
TEST(PositionIndex, NearestFollowsMovesAndBatches) {
  PositionIndex idx;
  idx.UpdateMany({{"a", -34.60, -58.40, 1000, 1000},
                  {"b", -34.70, -58.50, 1000, 1000},
                  {"a", -34.70, -58.50001, 3000, 3000},  // a moves next to b
                  {"a", -34.60, -58.40, 2000, 3000}});   // older than 3000: ignored
  auto near_b = idx.Nearest(-34.70, -58.50, 2);
  ASSERT_EQ(near_b.size(), 2u);
  EXPECT_EQ(near_b[0].first.unit_id, "b");
  EXPECT_EQ(near_b[1].first.unit_id, "a");
  EXPECT_LT(near_b[1].second, 2.0);
  auto near_old = idx.Nearest(-34.60, -58.40, 1);
  ASSERT_EQ(near_old.size(), 1u);
  EXPECT_GT(near_old[0].second, 10'000);  // nobody is left at a's first place
  // Standing still keeps the unit in the tree and refreshes its times.
  idx.Update({"b", -34.70, -58.50, 5000, 5100});
  EXPECT_EQ(idx.Get("b")->received_ms, 5100);
  EXPECT_EQ(idx.Nearest(-34.70, -58.50, 1)[0].first.unit_id, "b");
  idx.Remove("b");
  EXPECT_EQ(idx.Nearest(-34.70, -58.50, 5).size(), 1u);
}

}  // namespace
}  // namespace centinela::tracking
