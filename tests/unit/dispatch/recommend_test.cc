#include "dispatch/recommend.h"

#include <gtest/gtest.h>

#include <cmath>

#include "dispatch/units.h"

namespace centinela::dispatch {
namespace {

// Plaza de Armas, Santiago.
constexpr double kLat = -33.4378, kLon = -70.6505;

Candidate Make(std::string id, std::string kind, double dlat_m, double dlon_m,
               std::string agency = "police", bool available = true,
               std::vector<std::string> caps = {}) {
  Candidate c;
  c.unit_id = id;
  c.callsign = "C-" + id;
  c.agency = std::move(agency);
  c.kind = std::move(kind);
  c.available = available;
  c.capabilities = std::move(caps);
  c.lat = kLat + dlat_m / 111'195.0;
  c.lon = kLon + dlon_m / (111'195.0 * std::cos(kLat * M_PI / 180));
  return c;
}

TEST(RankUnits, NearestByArrivalNotByDistance) {
  RecommendQuery q{kLat, kLon, {"police"}, {}, 3};
  // A foot patrol 300 m away (216 s at 5 km/h) loses to a car 1,500 m away (135 s).
  auto r = RankUnits(q, {Make("foot", "foot", 300, 0), Make("car", "patrol_car", 0, 1500),
                         Make("moto", "motorbike", -1000, 0)});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].unit_id, "moto");  // 1,000 m at 45 km/h = 80 s
  EXPECT_EQ(r[1].unit_id, "car");
  EXPECT_EQ(r[2].unit_id, "foot");
  EXPECT_NEAR(r[0].distance_m, 1000, 2);
  EXPECT_NEAR(r[0].eta_s, 80, 0.5);
  EXPECT_NEAR(r[1].distance_m, 1500, 3);
  EXPECT_NEAR(r[2].eta_s, 216, 1);
}

TEST(RankUnits, FiltersAgencyAvailabilityAndCapabilities) {
  RecommendQuery q{kLat, kLon, {"medical"}, {"defibrillator"}, 5};
  auto r = RankUnits(
      q, {Make("a", "ambulance", 100, 0, "medical", true, {"defibrillator", "oxygen"}),
          Make("b", "ambulance", 50, 0, "medical", true, {"oxygen"}),              // lacks it
          Make("c", "ambulance", 10, 0, "medical", false, {"defibrillator"}),      // busy
          Make("d", "patrol_car", 5, 0, "police", true, {"defibrillator"}),        // agency
          Make("e", "ambulance", 900, 0, "medical", true, {"defibrillator"})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].unit_id, "a");
  EXPECT_EQ(r[1].unit_id, "e");
}

// "Any agency" never includes the armed forces: they are sent only where a (support)
// category names them.
TEST(RankUnits, ArmedForcesOnlyWhenTheCategoryNamesThem) {
  const std::vector<Candidate> units = {Make("army", "patrol_car", 10, 0, "armed_forces"),
                                        Make("pol", "patrol_car", 500, 0, "police")};
  RecommendQuery any{kLat, kLon, {}, {}, 5};
  auto r = RankUnits(any, units);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].unit_id, "pol");
  RecommendQuery support{kLat, kLon, {"civil_protection", "armed_forces"}, {}, 5};
  r = RankUnits(support, units);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].unit_id, "army");
}

TEST(RankUnits, KLimitsAndTiesBreakByCallsign) {
  RecommendQuery q{kLat, kLon, {}, {}, 2};
  auto r = RankUnits(q, {Make("z", "patrol_car", 500, 0), Make("y", "patrol_car", -500, 0),
                         Make("x", "patrol_car", 2000, 0)});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].callsign, "C-y");
  EXPECT_EQ(r[1].callsign, "C-z");
  q.k = 0;
  EXPECT_TRUE(RankUnits(q, {Make("z", "patrol_car", 500, 0)}).empty());
}

TEST(UnitStatusMachine, Table) {
  const char* s[] = {"available", "assigned", "en_route", "on_scene", "out_of_service"};
  const std::set<std::pair<std::string, std::string>> ok = {
      {"available", "assigned"}, {"available", "out_of_service"}, {"out_of_service", "available"},
      {"assigned", "en_route"},  {"assigned", "available"},       {"en_route", "on_scene"},
      {"en_route", "available"}, {"on_scene", "available"}};
  for (const char* a : s)
    for (const char* b : s)
      EXPECT_EQ(UnitTransitionAllowed(a, b), ok.count({a, b}) > 0) << a << " -> " << b;
  EXPECT_FALSE(UnitTransitionAllowed("parked", "available"));
}

}  // namespace
}  // namespace centinela::dispatch
