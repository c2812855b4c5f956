#include "tracking/position_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

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

}  // namespace
}  // namespace centinela::tracking
