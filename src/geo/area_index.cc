#include "geo/area_index.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "common/mutex.h"
#include "geo/geometry_internal.h"

namespace centinela::geo {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using internal::Box;
using internal::Point;
using internal::Polygon;

// One R-tree entry per polygon part (a MultiPolygon area gives several), so the boxes of
// a scattered area stay tight. `slot` indexes parts_.
struct AreaIndex::Impl {
  struct Part {
    std::string code;
    Polygon polygon;
    Box box;
  };
  using Entry = std::pair<Box, size_t>;

  mutable SharedMutex mu;
  bgi::rtree<Entry, bgi::quadratic<16>> tree GUARDED_BY(mu);
  std::vector<Part> parts GUARDED_BY(mu);  // slot -> part
  std::vector<size_t> free_slots GUARDED_BY(mu);
  std::unordered_map<std::string, std::vector<size_t>> slots_of GUARDED_BY(mu);

  // The codes, sorted and distinct, of the parts whose box meets `where` and whose polygon
  // passes `keep`; under the read lock.
  template <class Where, class Keep>
  std::vector<std::string> Codes(const Where& where, Keep keep) const {
    std::vector<std::string> codes;
    {
      ReaderLock lock(mu);
      std::vector<Entry> candidates;
      tree.query(bgi::intersects(where), std::back_inserter(candidates));
      for (const Entry& e : candidates)
        if (keep(parts[e.second].polygon)) codes.push_back(parts[e.second].code);
    }
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    return codes;
  }

  void RemoveLocked(const std::string& code) REQUIRES(mu) {
    auto it = slots_of.find(code);
    if (it == slots_of.end()) return;
    for (size_t slot : it->second) {
      tree.remove(Entry(parts[slot].box, slot));
      parts[slot] = Part{};
      free_slots.push_back(slot);
    }
    slots_of.erase(it);
  }
};

AreaIndex::AreaIndex() : impl_(std::make_unique<Impl>()) {}
AreaIndex::~AreaIndex() = default;

Status AreaIndex::Put(const std::string& code, const std::string& geojson_geometry) {
  // Parse and validate before taking the lock: readers are never held up by parsing.
  Result<internal::Parsed> parsed = internal::ParseAndValidate(geojson_geometry);
  if (!parsed.ok()) return parsed.status();

  WriterLock lock(impl_->mu);
  impl_->RemoveLocked(code);
  std::vector<size_t>& slots = impl_->slots_of[code];
  for (Polygon& poly : parsed->shape) {
    Box box = internal::BoundsOf(poly);
    Impl::Part part{code, std::move(poly), box};
    size_t slot;
    if (!impl_->free_slots.empty()) {
      slot = impl_->free_slots.back();
      impl_->free_slots.pop_back();
      impl_->parts[slot] = std::move(part);
    } else {
      slot = impl_->parts.size();
      impl_->parts.push_back(std::move(part));
    }
    impl_->tree.insert(Impl::Entry(impl_->parts[slot].box, slot));
    slots.push_back(slot);
  }
  return Status::Ok();
}

void AreaIndex::Remove(const std::string& code) {
  WriterLock lock(impl_->mu);
  impl_->RemoveLocked(code);
}

std::vector<std::string> AreaIndex::At(double lat, double lon) const {
  const Point p(lon, lat);
  // covered_by, not within: a point on the boundary belongs to the area (a report on the
  // street that separates two comunas is routed to both).
  return impl_->Codes(p, [&p](const Polygon& area) { return bg::covered_by(p, area); });
}

std::vector<std::string> AreaIndex::Meeting(const std::vector<std::pair<double, double>>& ring) const {
  if (ring.size() < 4 || ring.front() != ring.back()) return {};
  Polygon shape;
  for (const auto& [lat, lon] : ring) shape.outer().emplace_back(lon, lat);
  bg::correct(shape);  // either winding order is accepted
  return impl_->Codes(internal::BoundsOf(shape),
                      [&shape](const Polygon& area) { return bg::intersects(shape, area); });
}

size_t AreaIndex::size() const {
  ReaderLock lock(impl_->mu);
  return impl_->slots_of.size();
}

}  // namespace centinela::geo
