#include "tracking/position_index.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "common/mutex.h"
#include "geo/geometry.h"
#include "geo/grid.h"

namespace centinela::tracking {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

// A fix as a point on the unit sphere; see the header for why.
using Point = bg::model::point<double, 3, bg::cs::cartesian>;
using Box = bg::model::box<Point>;
// The unit id lives in the map; the tree holds a pointer-stable key to it.
using Entry = std::pair<Point, const std::string*>;

struct EntryEqual {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.second == b.second && bg::equals(a.first, b.first);
  }
};

constexpr double kPi = 3.14159265358979323846;
constexpr double kRad = kPi / 180;

Point OnSphere(double lat, double lon) {
  const double phi = lat * kRad, lambda = lon * kRad;
  const double c = std::cos(phi);
  return Point(c * std::cos(lambda), c * std::sin(lambda), std::sin(phi));
}

}  // namespace

struct PositionIndex::Impl {
  mutable SharedMutex mu;
  // Node-based map: the key strings never move, so the tree may point at them.
  std::unordered_map<std::string, LatestFix> latest GUARDED_BY(mu);
  bgi::rtree<Entry, bgi::quadratic<16>, bgi::indexable<Entry>, EntryEqual> tree GUARDED_BY(mu);

  void UpdateLocked(const LatestFix& fix, const Point& at) REQUIRES(mu) {
    auto [it, inserted] = latest.try_emplace(fix.unit_id, fix);
    if (!inserted) {
      LatestFix& old = it->second;
      if (old.time_ms > fix.time_ms) return;           // an older fix arrived late
      if (old.lat == fix.lat && old.lon == fix.lon) {  // standing still: the tree keeps it
        old.time_ms = fix.time_ms;
        old.received_ms = fix.received_ms;
        return;
      }
      tree.remove(Entry{OnSphere(old.lat, old.lon), &it->first});
      old = fix;
    }
    tree.insert(Entry{at, &it->first});
  }
};

PositionIndex::PositionIndex() : impl_(std::make_unique<Impl>()) {}
PositionIndex::~PositionIndex() = default;

void PositionIndex::Update(const LatestFix& fix) {
  const Point at = OnSphere(fix.lat, fix.lon);
  WriterLock lock(impl_->mu);
  impl_->UpdateLocked(fix, at);
}

void PositionIndex::UpdateMany(const std::vector<LatestFix>& fixes) {
  std::vector<Point> at;
  at.reserve(fixes.size());
  for (const LatestFix& f : fixes) at.push_back(OnSphere(f.lat, f.lon));
  WriterLock lock(impl_->mu);
  for (size_t i = 0; i < fixes.size(); ++i) impl_->UpdateLocked(fixes[i], at[i]);
}

void PositionIndex::Remove(const std::string& unit_id) {
  WriterLock lock(impl_->mu);
  auto it = impl_->latest.find(unit_id);
  if (it == impl_->latest.end()) return;
  impl_->tree.remove(Entry{OnSphere(it->second.lat, it->second.lon), &it->first});
  impl_->latest.erase(it);
}

std::optional<LatestFix> PositionIndex::Get(const std::string& unit_id) const {
  ReaderLock lock(impl_->mu);
  auto it = impl_->latest.find(unit_id);
  if (it == impl_->latest.end()) return std::nullopt;
  return it->second;
}

size_t PositionIndex::size() const {
  ReaderLock lock(impl_->mu);
  return impl_->latest.size();
}

void PositionIndex::ForEachNear(double lat, double lon, double radius_m,
                                const std::function<void(const LatestFix&)>& fn) const {
  // Every point within radius_m on the sphere lies within the chord 2 sin(theta / 2) of
  // the centre, so inside the cube of that half-side around it.
  const double theta = std::min(kPi, std::max(0.0, radius_m) / geo::kEarthRadiusMeters);
  const double chord = 2 * std::sin(theta / 2) * (1 + 1e-9);
  const Point c = OnSphere(lat, lon);
  Box box(Point(c.get<0>() - chord, c.get<1>() - chord, c.get<2>() - chord),
          Point(c.get<0>() + chord, c.get<1>() + chord, c.get<2>() + chord));
  ReaderLock lock(impl_->mu);
  for (auto it = impl_->tree.qbegin(bgi::intersects(box)); it != impl_->tree.qend(); ++it) {
    auto found = impl_->latest.find(*it->second);
    if (found != impl_->latest.end()) fn(found->second);
  }
}

std::vector<std::pair<LatestFix, double>> PositionIndex::Nearest(double lat, double lon,
                                                                 size_t n) const {
  std::vector<std::pair<LatestFix, double>> out;
  if (n == 0) return out;
  const Point c = OnSphere(lat, lon);
  {
    ReaderLock lock(impl_->mu);
    out.reserve(std::min(n, impl_->latest.size()));
    // The iterator form yields the values nearest first.
    for (auto it = impl_->tree.qbegin(bgi::nearest(c, static_cast<unsigned>(n)));
         it != impl_->tree.qend(); ++it) {
      auto found = impl_->latest.find(*it->second);
      if (found != impl_->latest.end()) out.emplace_back(found->second, 0.0);
    }
  }
  for (auto& [fix, metres] : out) metres = geo::HaversineMeters(lat, lon, fix.lat, fix.lon);
  return out;
}

std::vector<LatestFix> PositionIndex::All() const {
  ReaderLock lock(impl_->mu);
  std::vector<LatestFix> out;
  out.reserve(impl_->latest.size());
  for (const auto& [id, fix] : impl_->latest) out.push_back(fix);
  return out;
}

}  // namespace centinela::tracking
