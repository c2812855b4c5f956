#include "app/sim_paths.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "geo/geometry.h"

namespace centinela::app::sim {

namespace {

namespace json = boost::json;

constexpr double kPi = 3.14159265358979323846;
// Legs are checked against the polygons at this spacing.
constexpr double kCheckStepM = 20;
// Patrol targets closer than this are not worth a trip.
constexpr double kMinPatrolLegM = 150;

// Widens [min, max] over every [lon, lat] position nested in a GeoJSON coordinates array.
void Extend(const json::value& v, double& min_lat, double& max_lat, double& min_lon,
            double& max_lon) {
  if (!v.is_array()) return;
  const json::array& a = v.get_array();
  if (a.size() >= 2 && a[0].is_number() && a[1].is_number()) {
    const double lon = a[0].to_number<double>(), lat = a[1].to_number<double>();
    min_lat = std::min(min_lat, lat);
    max_lat = std::max(max_lat, lat);
    min_lon = std::min(min_lon, lon);
    max_lon = std::max(max_lon, lon);
    return;
  }
  for (const json::value& x : a) Extend(x, min_lat, max_lat, min_lon, max_lon);
}

LatLon Lerp(LatLon a, LatLon b, double f) {
  return {a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f};
}

}  // namespace

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

size_t Rng::Weighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += std::max(0.0, w);
  double x = Uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double w = std::max(0.0, weights[i]);
    if (x < w) return i;
    x -= w;
  }
  // Rounding left x at the very end: the last positive weight.
  for (size_t i = weights.size(); i-- > 0;)
    if (weights[i] > 0) return i;
  return 0;
}

double DistanceM(LatLon a, LatLon b) { return geo::HaversineMeters(a.lat, a.lon, b.lat, b.lon); }

SimRegion::SimRegion() : index_(std::make_unique<geo::AreaIndex>()) {}
SimRegion::~SimRegion() = default;
SimRegion::SimRegion(SimRegion&&) noexcept = default;
SimRegion& SimRegion::operator=(SimRegion&&) noexcept = default;

Status SimRegion::Add(const std::string& code, const std::string& name,
                      const std::string& geometry, int64_t population) {
  Status s = index_->Put(code, geometry);
  if (!s.ok()) return Status(s.code(), "area " + code + ": " + s.message());
  boost::system::error_code ec;
  json::value doc = json::parse(geometry, ec);
  if (ec || !doc.is_object() || !doc.as_object().if_contains("coordinates"))
    return Unprocessable("area " + code + ": geometry without coordinates");
  Area a;
  a.name = name;
  a.population = std::max<int64_t>(0, population);
  a.min_lat = a.min_lon = std::numeric_limits<double>::max();
  a.max_lat = a.max_lon = std::numeric_limits<double>::lowest();
  Extend(doc.at("coordinates"), a.min_lat, a.max_lat, a.min_lon, a.max_lon);
  if (a.min_lat > a.max_lat) return Unprocessable("area " + code + ": no positions");
  areas_[code] = std::move(a);
  return Status::Ok();
}

Status SimRegion::AddFeatureCollection(const std::string& geojson_text,
                                       const std::string& code_property,
                                       const std::string& population_property) {
  boost::system::error_code ec;
  json::value doc = json::parse(geojson_text, ec);
  if (ec || !doc.is_object()) return Unprocessable("not a GeoJSON FeatureCollection");
  const json::value* features = doc.as_object().if_contains("features");
  if (!features || !features->is_array()) return Unprocessable("no 'features' list");
  for (const json::value& f : features->as_array()) {
    if (!f.is_object()) return Unprocessable("a feature is not an object");
    const json::value* props = f.as_object().if_contains("properties");
    const json::value* geometry = f.as_object().if_contains("geometry");
    if (!props || !props->is_object() || !geometry)
      return Unprocessable("a feature lacks properties or geometry");
    const json::value* code = props->as_object().if_contains(code_property);
    if (!code || !code->is_string()) return Unprocessable("a feature lacks '" + code_property + "'");
    int64_t population = 1;
    if (!population_property.empty()) {
      const json::value* p = props->as_object().if_contains(population_property);
      if (p && p->is_number()) population = p->to_number<int64_t>();
    }
    const std::string c(code->get_string());
    Status s = Add(c, c, json::serialize(*geometry), population);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

bool SimRegion::Has(const std::string& code) const { return areas_.count(code) > 0; }

std::vector<std::string> SimRegion::At(LatLon p) const { return index_->At(p.lat, p.lon); }

bool SimRegion::Contains(const std::string& code, LatLon p) const {
  const std::vector<std::string> codes = At(p);
  return std::binary_search(codes.begin(), codes.end(), code);
}

bool SimRegion::ContainsAny(LatLon p) const { return !At(p).empty(); }

LatLon SimRegion::RandomPoint(const std::string& code, Rng& rng) const {
  auto it = areas_.find(code);
  if (it == areas_.end()) return {};
  const Area& a = it->second;
  LatLon p{(a.min_lat + a.max_lat) / 2, (a.min_lon + a.max_lon) / 2};
  for (int i = 0; i < 10'000; ++i) {
    LatLon q{rng.Uniform(a.min_lat, a.max_lat), rng.Uniform(a.min_lon, a.max_lon)};
    if (Contains(code, q)) return q;
  }
  return p;  // a sliver of a polygon: its box centre (not reached with real comunas)
}

const std::string& SimRegion::PopulationWeightedCode(Rng& rng) const {
  std::vector<double> weights;
  std::vector<const std::string*> codes;
  for (const auto& [code, a] : areas_) {
    codes.push_back(&code);
    weights.push_back(static_cast<double>(a.population));
  }
  static const std::string kNone;
  if (codes.empty()) return kNone;
  return *codes[rng.Weighted(weights)];
}

const std::string& SimRegion::Name(const std::string& code) const {
  auto it = areas_.find(code);
  return it == areas_.end() ? code : it->second.name;
}

std::vector<std::string> SimRegion::Codes() const {
  std::vector<std::string> out;
  for (const auto& [code, a] : areas_) out.push_back(code);
  return out;
}

Speeds SpeedsFor(const std::string& kind) {
  // Urban averages between lights (cruise) and the most a crew drives on these streets.
  if (kind == "patrol_car") return {9.0, 16.7};    // 32 / 60 km/h
  if (kind == "motorbike") return {10.0, 19.4};    // 36 / 70 km/h
  if (kind == "ambulance") return {9.0, 16.7};     // 32 / 60 km/h
  if (kind == "engine") return {7.5, 13.9};        // 27 / 50 km/h
  if (kind == "municipal_crew") return {7.0, 11.1};  // 25 / 40 km/h
  return {1.3, 2.0};                               // on foot
}

Mover::Mover(const SimRegion& region, std::string home_area, Speeds speeds, uint64_t seed)
    : region_(region), home_(std::move(home_area)), speeds_(speeds), rng_(seed) {
  pos_ = region_.RandomPoint(home_, rng_);
  target_ = pos_;
  pause_s_ = rng_.Uniform(0, 4);  // not every unit sets off in the same second
}

bool Mover::LegInside(LatLon a, LatLon b, const std::string& code) const {
  const double d = DistanceM(a, b);
  const int steps = std::max(1, static_cast<int>(std::ceil(d / kCheckStepM)));
  for (int i = 0; i <= steps; ++i) {
    LatLon p = Lerp(a, b, static_cast<double>(i) / steps);
    if (code.empty() ? !region_.ContainsAny(p) : !region_.Contains(code, p)) return false;
  }
  return true;
}

std::deque<LatLon> Mover::Route(LatLon target, const std::string& code) const {
  auto fits = [&](const std::deque<LatLon>& route) {
    LatLon from = pos_;
    for (const LatLon& p : route) {
      if (!LegInside(from, p, code)) return false;
      from = p;
    }
    return true;
  };
  // Staircases of n steps (n = 1 is an L), east-west first or north-south first.
  const bool ew_first = (static_cast<uint64_t>(std::fabs(target.lat * 1e7)) & 1) == 0;
  for (int n = 1; n <= 6; ++n) {
    for (int order = 0; order < 2; ++order) {
      const bool ew = (order == 0) == ew_first;
      std::deque<LatLon> route;
      LatLon from = pos_;
      for (int k = 1; k <= n; ++k) {
        LatLon to = Lerp(pos_, target, static_cast<double>(k) / n);
        route.push_back(ew ? LatLon{from.lat, to.lon} : LatLon{to.lat, from.lon});
        route.push_back(to);
        from = to;
      }
      if (fits(route)) return route;
    }
  }
  std::deque<LatLon> straight{target};
  if (fits(straight)) return straight;
  return {};
}

void Mover::PlanPatrolLeg() {
  // Back home first when a trip left the unit outside its comuna.
  const std::string code = region_.Contains(home_, pos_) ? home_ : std::string();
  for (int attempt = 0; attempt < 30; ++attempt) {
    LatLon t = region_.RandomPoint(home_, rng_);
    if (DistanceM(pos_, t) < kMinPatrolLegM) continue;
    std::deque<LatLon> route = Route(t, code);
    if (route.empty()) continue;
    route_ = std::move(route);
    target_ = t;
    leg_speed_mps_ = std::min(speeds_.max_mps, speeds_.cruise_mps * rng_.Uniform(0.6, 1.15));
    return;
  }
  if (code.empty()) {  // outside, and no grid route home fits: straight back
    target_ = region_.RandomPoint(home_, rng_);
    route_ = {target_};
    leg_speed_mps_ = speeds_.cruise_mps;
  }
}

void Mover::DriveTo(LatLon target, bool urgent) {
  mode_ = Mode::kDrive;
  target_ = target;
  route_ = Route(target, "");
  if (route_.empty()) route_ = {target};
  pause_s_ = 0;
  leg_speed_mps_ = urgent ? speeds_.max_mps * rng_.Uniform(0.8, 1.0)
                          : std::min(speeds_.max_mps, speeds_.cruise_mps * rng_.Uniform(0.8, 1.1));
}

void Mover::Patrol() {
  mode_ = Mode::kPatrol;
  route_.clear();
  pause_s_ = 0;
}

void Mover::Hold() {
  mode_ = Mode::kHold;
  route_.clear();
  pause_s_ = 0;
}

void Mover::Place(LatLon p) {
  pos_ = p;
  route_.clear();
}

bool Mover::Arrived() const { return mode_ == Mode::kDrive && route_.empty(); }

void Mover::Advance(double dt_s) {
  const LatLon start = pos_;
  double budget = std::max(0.0, dt_s);
  double moved = 0;
  int plans = 0;
  while (budget > 1e-9 && mode_ != Mode::kHold) {
    if (pause_s_ > 0) {
      const double p = std::min(pause_s_, budget);
      pause_s_ -= p;
      budget -= p;
      continue;
    }
    if (route_.empty()) {
      if (mode_ != Mode::kPatrol) break;  // arrived: waits for the next order
      if (++plans > 3) break;             // nowhere to go this tick
      PlanPatrolLeg();
      if (route_.empty()) pause_s_ = 5;
      continue;
    }
    const LatLon next = route_.front();
    const double d = DistanceM(pos_, next);
    const double reach = leg_speed_mps_ * budget;
    if (reach >= d) {
      pos_ = next;
      route_.pop_front();
      moved += d;
      budget -= leg_speed_mps_ > 0 ? d / leg_speed_mps_ : budget;
      if (route_.empty() && mode_ == Mode::kPatrol) {
        // At the patrol point: a stop now and then (a check, a word with a neighbour).
        pause_s_ = rng_.Uniform() < 0.4 ? rng_.Uniform(10, 90) : 0;
      }
    } else {
      pos_ = Lerp(pos_, next, reach / d);
      moved += reach;
      budget = 0;
    }
  }
  speed_mps_ = dt_s > 0 ? moved / dt_s : 0;
  if (moved > 0.5) {
    const double north = (pos_.lat - start.lat);
    const double east = (pos_.lon - start.lon) * std::cos(start.lat * kPi / 180);
    double h = std::atan2(east, north) * 180 / kPi;
    if (h < 0) h += 360;
    heading_ = h;
  }
}

}  // namespace centinela::app::sim
