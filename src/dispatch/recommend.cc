#include "dispatch/recommend.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "auth/roles.h"
#include "geo/geometry.h"

namespace centinela::dispatch {

namespace {

constexpr std::array<std::pair<std::string_view, double>, 6> kSpeedsKmh = {{
    {"patrol_car", 40},
    {"motorbike", 45},
    {"foot", 5},
    {"ambulance", 40},
    {"engine", 35},
    {"municipal_crew", 30},
}};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool IsUnitKind(std::string_view kind) {
  for (const auto& [k, speed] : kSpeedsKmh)
    if (k == kind) return true;
  return false;
}

const std::vector<std::string>& UnitKinds() {
  static const std::vector<std::string> kKinds = [] {
    std::vector<std::string> v;
    for (const auto& [k, speed] : kSpeedsKmh) v.emplace_back(k);
    return v;
  }();
  return kKinds;
}

double SpeedMps(std::string_view kind) {
  for (const auto& [k, kmh] : kSpeedsKmh)
    if (k == kind) return kmh / 3.6;
  return 5 / 3.6;  // unknown kinds are planned at walking pace
}

double MaxSpeedMps() {
  double m = 0;
  for (const auto& [k, kmh] : kSpeedsKmh) m = std::max(m, kmh / 3.6);
  return m;
}

bool Eligible(const RecommendQuery& q, const Candidate& c) {
  if (!c.available) return false;
  if (!q.agencies.empty() && !Contains(q.agencies, c.agency)) return false;
  // "Any agency" never includes a support-only one (armed_forces): it is sent only where a
  // (support) category names it.
  if (q.agencies.empty() && auth::IsSupportOnlyAgency(c.agency)) return false;
  for (const std::string& cap : q.capabilities)
    if (!Contains(c.capabilities, cap)) return false;
  return true;
}

std::vector<Recommendation> RankUnits(const RecommendQuery& q,
                                      const std::vector<Candidate>& candidates) {
  std::vector<Recommendation> out;
  if (q.k <= 0) return out;
  for (const Candidate& c : candidates) {
    if (!Eligible(q, c)) continue;
    Recommendation r;
    r.unit_id = c.unit_id;
    r.callsign = c.callsign;
    r.agency = c.agency;
    r.kind = c.kind;
    r.distance_m = geo::HaversineMeters(q.lat, q.lon, c.lat, c.lon);
    r.eta_s = r.distance_m / SpeedMps(c.kind);
    out.push_back(std::move(r));
  }
  auto less = [](const Recommendation& a, const Recommendation& b) {
    if (a.eta_s != b.eta_s) return a.eta_s < b.eta_s;
    if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
    return a.callsign < b.callsign;
  };
  const size_t k = static_cast<size_t>(q.k);
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), less);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), less);
  }
  return out;
}

}  // namespace centinela::dispatch
