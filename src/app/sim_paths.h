#pragma once
// Movement for `centinela simulate`: where demo units drive. Pure and deterministic: every
// random choice comes from the Rng the caller seeds, so a seed replays the same trip.
//
// A SimRegion holds the comuna polygons (real GeoJSON boundaries, point-in-polygon through
// geo::AreaIndex) with their populations. A Mover is one unit on the road: on patrol it
// drives to a random point inside its home comuna, pauses there a while and picks the next;
// told to DriveTo a place it goes there instead. Routes run along north-south and east-west
// legs, like the street grid of Santiago's south, staircased when one L does not fit, and
// every leg is checked (a point every 20 m) to stay inside the allowed polygons: patrols never
// leave their comuna, and trips to an incident stay inside the precinct when any route does.
// Speed varies per leg around the kind's cruising speed and never exceeds its maximum.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "geo/area_index.h"

namespace centinela::app::sim {

//! A small deterministic generator (splitmix64): same seed, same numbers, on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  //! Uniform in [0, 1).
  double Uniform();
  //! Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  //! Exponential with the given mean (Poisson arrivals).
  double Exponential(double mean);
  //! An index drawn with probability proportional to weights[i] (all >= 0, some > 0).
  size_t Weighted(const std::vector<double>& weights);

 private:
  uint64_t state_;
};

struct LatLon {
  double lat = 0;
  double lon = 0;
};

//! Metres between two points (haversine).
double DistanceM(LatLon a, LatLon b);

class SimRegion {
 public:
  SimRegion();
  ~SimRegion();
  SimRegion(SimRegion&&) noexcept;
  SimRegion& operator=(SimRegion&&) noexcept;

  //! Adds an area: GeoJSON Polygon or MultiPolygon text (validated) and its population.
  Status Add(const std::string& code, const std::string& name, const std::string& geometry,
             int64_t population);
  //! Reads a FeatureCollection whose features carry `code_property` (and optionally
  //! `population_property`, else population 1).
  Status AddFeatureCollection(const std::string& geojson_text, const std::string& code_property,
                              const std::string& population_property = "");

  bool Has(const std::string& code) const;
  //! Inside area `code` (boundary included).
  bool Contains(const std::string& code, LatLon p) const;
  //! Inside any area.
  bool ContainsAny(LatLon p) const;
  //! The area codes containing p.
  std::vector<std::string> At(LatLon p) const;
  //! A uniformly random point inside area `code` (rejection sampling in its bounding box).
  LatLon RandomPoint(const std::string& code, Rng& rng) const;
  //! An area chosen with probability proportional to its population.
  const std::string& PopulationWeightedCode(Rng& rng) const;
  const std::string& Name(const std::string& code) const;
  std::vector<std::string> Codes() const;

 private:
  struct Area {
    std::string name;
    int64_t population = 0;
    double min_lat = 0, max_lat = 0, min_lon = 0, max_lon = 0;
  };
  std::map<std::string, Area> areas_;
  std::unique_ptr<geo::AreaIndex> index_;
};

//! Cruising and maximum speeds (m/s) for a unit kind on city streets.
struct Speeds {
  double cruise_mps = 0;
  double max_mps = 0;
};
Speeds SpeedsFor(const std::string& kind);

class Mover {
 public:
  //! Starts at a random point of its home area, on patrol.
  Mover(const SimRegion& region, std::string home_area, Speeds speeds, uint64_t seed);

  //! Moves `dt_s` seconds along the route (planning the next patrol leg when one ends).
  //! The distance covered is at most max_mps * dt_s.
  void Advance(double dt_s);
  //! Leaves patrol and drives to `target` at up to the maximum speed (urgent) or cruise.
  void DriveTo(LatLon target, bool urgent);
  //! Back to patrolling the home area from wherever it is.
  void Patrol();
  //! Holds the position (on scene) until DriveTo or Patrol.
  void Hold();
  //! Puts the unit at `p` (where the server last saw it, at start), route dropped.
  void Place(LatLon p);

  //! On a DriveTo trip and at its target.
  bool Arrived() const;
  LatLon position() const { return pos_; }
  //! Speed over the last Advance (m/s) and heading in degrees clockwise from north.
  double speed_mps() const { return speed_mps_; }
  double heading() const { return heading_; }
  const std::string& home_area() const { return home_; }
  const Speeds& speeds() const { return speeds_; }

 private:
  enum class Mode { kPatrol, kDrive, kHold };
  //! Waypoints from pos_ to `target`, every leg inside `code` (or any area when empty), or
  //! empty when no grid route fits.
  std::deque<LatLon> Route(LatLon target, const std::string& code) const;
  bool LegInside(LatLon a, LatLon b, const std::string& code) const;
  void PlanPatrolLeg();

  const SimRegion& region_;
  std::string home_;
  Speeds speeds_;
  Rng rng_;
  Mode mode_ = Mode::kPatrol;
  LatLon pos_;
  LatLon target_;
  std::deque<LatLon> route_;
  double leg_speed_mps_ = 0;
  double pause_s_ = 0;
  double speed_mps_ = 0;
  double heading_ = 0;
};

}  // namespace centinela::app::sim
