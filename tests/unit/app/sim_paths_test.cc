// The simulator's path generator on the real South Precinct boundaries (demo/): patrols stay
// inside their comuna, no step between two fixes is faster than the kind's maximum, a seed
// replays the same trip, and a unit sent somewhere gets there.
#include "app/sim_paths.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace centinela::app::sim {
namespace {

std::string ReadDemoGeoJson() {
  std::ifstream in(std::string(CENTINELA_SOURCE_DIR) + "/demo/santiago_south_precinct_7_comunas.geojson");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The seven comunas, keyed by their NOM_COM names.
const SimRegion& Region() {
  static const SimRegion* region = [] {
    auto* r = new SimRegion();
    Status s = r->AddFeatureCollection(ReadDemoGeoJson(), "NOM_COM");
    EXPECT_TRUE(s.ok()) << s.message();
    return r;
  }();
  return *region;
}

TEST(SimPathsTest, LoadsTheSevenComunas) {
  EXPECT_EQ(Region().Codes().size(), 7u);
  EXPECT_TRUE(Region().Has("La Pintana"));
  // San Miguel's civic centre is in San Miguel and not in La Pintana; the Pacific is nowhere.
  EXPECT_TRUE(Region().Contains("San Miguel", {-33.4966, -70.6516}));
  EXPECT_FALSE(Region().Contains("La Pintana", {-33.4966, -70.6516}));
  EXPECT_FALSE(Region().ContainsAny({-33.0, -71.6}));
}

TEST(SimPathsTest, RandomPointsLieInsideTheirComuna) {
  Rng rng(42);
  for (const std::string& code : Region().Codes()) {
    for (int i = 0; i < 200; ++i) {
      LatLon p = Region().RandomPoint(code, rng);
      ASSERT_TRUE(Region().Contains(code, p)) << code << " " << p.lat << "," << p.lon;
    }
  }
}

TEST(SimPathsTest, PatrolStaysInsideTheHomeComunaWithinTheSpeedBound) {
  for (const char* kind : {"patrol_car", "motorbike", "municipal_crew", "engine"}) {
    for (const std::string& code : Region().Codes()) {
      const Speeds speeds = SpeedsFor(kind);
      Mover m(Region(), code, speeds, 7);
      LatLon before = m.position();
      double travelled = 0;
      // Two simulated hours with a fix every 5 s.
      for (int i = 0; i < 1440; ++i) {
        m.Advance(5.0);
        const LatLon now = m.position();
        ASSERT_TRUE(Region().Contains(code, now))
            << kind << " left " << code << " at fix " << i << ": " << now.lat << "," << now.lon;
        const double step = DistanceM(before, now);
        ASSERT_LE(step, speeds.max_mps * 5.0 * 1.001) << kind << " in " << code << " at fix " << i;
        ASSERT_LE(m.speed_mps(), speeds.max_mps * 1.001);
        travelled += step;
        before = now;
      }
      // It really patrols: more than a quarter of cruising all the time.
      EXPECT_GT(travelled, 0.25 * speeds.cruise_mps * 7200) << kind << " in " << code;
    }
  }
}

TEST(SimPathsTest, TheSameSeedReplaysTheSameTrip) {
  Mover a(Region(), "La Granja", SpeedsFor("patrol_car"), 1234);
  Mover b(Region(), "La Granja", SpeedsFor("patrol_car"), 1234);
  Mover c(Region(), "La Granja", SpeedsFor("patrol_car"), 1235);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    a.Advance(5);
    b.Advance(5);
    c.Advance(5);
    ASSERT_EQ(a.position().lat, b.position().lat) << i;
    ASSERT_EQ(a.position().lon, b.position().lon) << i;
    differs = differs || a.position().lat != c.position().lat;
  }
  EXPECT_TRUE(differs) << "another seed should drive elsewhere";
}

TEST(SimPathsTest, SmoothNotTeleporting) {
  // Fixes every second: consecutive positions are never farther apart than one second at
  // the maximum speed, and most steps move (the unit does not jump and then sit).
  Mover m(Region(), "San Joaquín", SpeedsFor("motorbike"), 99);
  LatLon before = m.position();
  int moving = 0;
  for (int i = 0; i < 3600; ++i) {
    m.Advance(1.0);
    const double step = DistanceM(before, m.position());
    ASSERT_LE(step, SpeedsFor("motorbike").max_mps * 1.001);
    moving += step > 0.5;
    before = m.position();
  }
  EXPECT_GT(moving, 1800);
}

TEST(SimPathsTest, DriveToReachesTheTargetAndHolds) {
  Rng rng(5);
  Mover m(Region(), "El Bosque", SpeedsFor("ambulance"), 11);
  const LatLon target = Region().RandomPoint("San Ramón", rng);
  const double start_distance = DistanceM(m.position(), target);
  m.DriveTo(target, /*urgent=*/true);
  int fixes = 0;
  LatLon before = m.position();
  while (!m.Arrived() && fixes < 2000) {
    m.Advance(5);
    ASSERT_LE(DistanceM(before, m.position()), SpeedsFor("ambulance").max_mps * 5 * 1.001);
    ASSERT_TRUE(Region().ContainsAny(m.position()));
    before = m.position();
    ++fixes;
  }
  ASSERT_TRUE(m.Arrived());
  EXPECT_LT(DistanceM(m.position(), target), 1.0);
  // Urgent: at least 80% of the maximum speed along a route at most ~1.5x the crow's flight
  // (grid legs), so the trip takes no longer than that allows.
  EXPECT_LE(fixes * 5.0, 1.5 * start_distance / (0.8 * SpeedsFor("ambulance").max_mps) + 10);
  m.Hold();
  const LatLon held = m.position();
  m.Advance(60);
  EXPECT_EQ(m.position().lat, held.lat);
  EXPECT_EQ(m.speed_mps(), 0);
  // Back on patrol it heads home to El Bosque and then stays there.
  m.Patrol();
  bool home = false;
  for (int i = 0; i < 2000 && !home; ++i) {
    m.Advance(5);
    home = Region().Contains("El Bosque", m.position());
  }
  EXPECT_TRUE(home);
}

TEST(SimPathsTest, PopulationWeightsTheDraw) {
  SimRegion r;
  const std::string square_a =
      R"({"type":"Polygon","coordinates":[[[-70.60,-33.50],[-70.59,-33.50],[-70.59,-33.49],[-70.60,-33.49],[-70.60,-33.50]]]})";
  const std::string square_b =
      R"({"type":"Polygon","coordinates":[[[-70.58,-33.50],[-70.57,-33.50],[-70.57,-33.49],[-70.58,-33.49],[-70.58,-33.50]]]})";
  ASSERT_TRUE(r.Add("A", "A", square_a, 90'000).ok());
  ASSERT_TRUE(r.Add("B", "B", square_b, 10'000).ok());
  EXPECT_FALSE(r.Add("C", "C", R"({"type":"Point","coordinates":[0,0]})", 1).ok());
  Rng rng(3);
  int a = 0;
  for (int i = 0; i < 10'000; ++i) a += r.PopulationWeightedCode(rng) == "A";
  EXPECT_NEAR(a, 9000, 300);
}

TEST(SimPathsTest, ExponentialGapsHaveTheRequestedMean) {
  Rng rng(8);
  double sum = 0;
  for (int i = 0; i < 20'000; ++i) sum += rng.Exponential(25);
  EXPECT_NEAR(sum / 20'000, 25, 1.0);
}

}  // namespace
}  // namespace centinela::app::sim
