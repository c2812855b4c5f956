#include "analytics/dark_figure.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace centinela::analytics {

Result<MatchResult> MatchReports(const std::vector<Incident>& informal,
                                 const std::vector<Incident>& formal, const MatchOptions& o) {
  if (!(o.distance_m > 0) || !(o.hours > 0))
    return InvalidArgument("the match distance and time window must be positive");
  const double window_ms = o.hours * 3'600'000.0;
  const double d2max = o.distance_m * o.distance_m;

  // Formal complaints per family, sorted by time, so each report scans only its window.
  std::map<std::string, std::vector<size_t>> by_family;
  for (size_t j = 0; j < formal.size(); ++j) by_family[formal[j].family].push_back(j);
  for (auto& [family, list] : by_family)
    std::sort(list.begin(), list.end(),
              [&](size_t a, size_t b) { return formal[a].t_ms < formal[b].t_ms; });

  std::vector<std::tuple<double, size_t, size_t>> candidates;  // score, informal, formal
  for (size_t i = 0; i < informal.size(); ++i) {
    auto fam = by_family.find(informal[i].family);
    if (fam == by_family.end()) continue;
    const std::vector<size_t>& list = fam->second;
    const double t = static_cast<double>(informal[i].t_ms);
    auto first = std::lower_bound(list.begin(), list.end(), t - window_ms, [&](size_t j, double v) {
      return static_cast<double>(formal[j].t_ms) < v;
    });
    for (auto it = first; it != list.end(); ++it) {
      const Incident& f = formal[*it];
      const double dt = static_cast<double>(f.t_ms) - t;
      if (dt > window_ms) break;
      const double dx = f.x - informal[i].x, dy = f.y - informal[i].y;
      const double d2 = dx * dx + dy * dy;
      if (d2 > d2max) continue;
      candidates.emplace_back(std::sqrt(d2) / o.distance_m + std::fabs(dt) / window_ms, i, *it);
    }
  }
  std::sort(candidates.begin(), candidates.end());

  MatchResult r;
  r.informal = static_cast<int64_t>(informal.size());
  r.formal = static_cast<int64_t>(formal.size());
  r.formal_of.assign(informal.size(), -1);
  std::vector<bool> taken(formal.size(), false);
  for (const auto& [score, i, j] : candidates) {
    if (r.formal_of[i] >= 0 || taken[j]) continue;
    r.formal_of[i] = static_cast<int64_t>(j);
    taken[j] = true;
    ++r.matched;
  }
  if (r.informal > 0)
    r.unmatched_share = static_cast<double>(r.informal - r.matched) / static_cast<double>(r.informal);
  return r;
}

Result<CaptureRecapture> Chapman(int64_t n1, int64_t n2, int64_t m, double z) {
  if (n1 < 0 || n2 < 0 || m < 0 || m > n1 || m > n2)
    return InvalidArgument("capture-recapture needs 0 <= matched <= each list's size");
  const double a = static_cast<double>(n1) + 1, b = static_cast<double>(n2) + 1;
  const double mm = static_cast<double>(m);
  CaptureRecapture c;
  c.estimate = a * b / (mm + 1) - 1;
  c.variance = a * b * static_cast<double>(n1 - m) * static_cast<double>(n2 - m) /
               ((mm + 1) * (mm + 1) * (mm + 2));
  const double half = z * std::sqrt(c.variance);
  c.ci_low = std::max(static_cast<double>(n1 + n2 - m), c.estimate - half);
  c.ci_high = c.estimate + half;
  return c;
}

Result<DarkFigurePoint> DarkFigure(int64_t informal, int64_t formal, int64_t matched,
                                   double reference, double target) {
  if (!(reference >= 0 && reference <= 1 && target >= 0 && target <= 1) || reference == target)
    return InvalidArgument("the reference and target must be distinct shares in [0, 1]");
  auto total = Chapman(informal, formal, matched);
  if (!total.ok()) return total.status();
  DarkFigurePoint p;
  p.informal = informal;
  p.formal = formal;
  p.matched = matched;
  if (informal > 0)
    p.unmatched_share = static_cast<double>(informal - matched) / static_cast<double>(informal);
  p.total = *total;
  if (p.total.estimate > 0)
    p.dark_figure = std::max(0.0, 1.0 - static_cast<double>(formal) / p.total.estimate);
  p.reference = reference;
  p.target = target;
  p.progress = (reference - p.dark_figure) / (reference - target);
  p.target_met = reference > target ? p.dark_figure <= target : p.dark_figure >= target;
  return p;
}

}  // namespace centinela::analytics
