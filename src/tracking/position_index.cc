#include "tracking/position_index.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

namespace centinela::tracking {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {

// Cartesian lon/lat: the box query below is in degrees and the exact distance is measured
// by the caller, so no geographic strategy is needed here.
using Point = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<Point>;
// The unit id lives in the map; the tree holds a pointer-stable key to it.
using Entry = std::pair<Point, const std::string*>;

struct EntryEqual {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.second == b.second && bg::equals(a.first, b.first);
  }
};

constexpr double kMetresPerDegreeLat = 111'195.0;
constexpr double kPi = 3.14159265358979323846;

}  // namespace

struct PositionIndex::Impl {
  mutable std::shared_mutex mu;
  // Node-based map: the key strings never move, so the tree may point at them.
  std::unordered_map<std::string, LatestFix> latest;  // guarded by mu
  bgi::rtree<Entry, bgi::quadratic<16>, bgi::indexable<Entry>, EntryEqual> tree;  // guarded by mu
};

PositionIndex::PositionIndex() : impl_(std::make_unique<Impl>()) {}
PositionIndex::~PositionIndex() = default;

void PositionIndex::Update(const LatestFix& fix) {
  std::unique_lock lock(impl_->mu);
  auto [it, inserted] = impl_->latest.try_emplace(fix.unit_id, fix);
  if (!inserted) {
    if (it->second.time_ms > fix.time_ms) return;  // an older fix arrived late
    impl_->tree.remove(Entry{Point(it->second.lon, it->second.lat), &it->first});
    it->second = fix;
  }
  impl_->tree.insert(Entry{Point(fix.lon, fix.lat), &it->first});
}

void PositionIndex::Remove(const std::string& unit_id) {
  std::unique_lock lock(impl_->mu);
  auto it = impl_->latest.find(unit_id);
  if (it == impl_->latest.end()) return;
  impl_->tree.remove(Entry{Point(it->second.lon, it->second.lat), &it->first});
  impl_->latest.erase(it);
}

std::optional<LatestFix> PositionIndex::Get(const std::string& unit_id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->latest.find(unit_id);
  if (it == impl_->latest.end()) return std::nullopt;
  return it->second;
}

size_t PositionIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->latest.size();
}

void PositionIndex::ForEachNear(double lat, double lon, double radius_m,
                                const std::function<void(const LatestFix&)>& fn) const {
  const double dlat = radius_m / kMetresPerDegreeLat;
  const double min_lat = std::max(-90.0, lat - dlat);
  const double max_lat = std::min(90.0, lat + dlat);
  // Longitude degrees shrink with latitude: use the box edge nearest a pole.
  const double widest = std::max(std::fabs(min_lat), std::fabs(max_lat));
  const double cos_lat = std::cos(widest * kPi / 180);
  double min_lon = -180, max_lon = 180;
  if (cos_lat > 1e-6) {
    const double dlon = radius_m / (kMetresPerDegreeLat * cos_lat);
    if (dlon < 180) {
      min_lon = std::max(-180.0, lon - dlon);
      max_lon = std::min(180.0, lon + dlon);
    }
  }
  Box box(Point(min_lon, min_lat), Point(max_lon, max_lat));
  std::shared_lock lock(impl_->mu);
  for (auto it = impl_->tree.qbegin(bgi::intersects(box)); it != impl_->tree.qend(); ++it) {
    auto found = impl_->latest.find(*it->second);
    if (found != impl_->latest.end()) fn(found->second);
  }
}

std::vector<LatestFix> PositionIndex::All() const {
  std::shared_lock lock(impl_->mu);
  std::vector<LatestFix> out;
  out.reserve(impl_->latest.size());
  for (const auto& [id, fix] : impl_->latest) out.push_back(fix);
  return out;
}

}  // namespace centinela::tracking
