#include "analytics/knox.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>
#include <utility>

namespace centinela::analytics {

namespace {

uint64_t BucketKey(int64_t bx, int64_t by) {
  return (static_cast<uint64_t>(bx) << 32) ^ (static_cast<uint64_t>(by) & 0xffffffffULL);
}

// Uniform integer in [0, bound) by rejection (no modulo bias), from the engine's raw 64 bits
// so the sequence depends only on mt19937_64, which the standard fixes.
uint64_t Below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t v;
  do v = rng();
  while (v >= limit);
  return v % bound;
}

int64_t CountClose(const std::vector<std::pair<uint32_t, uint32_t>>& pairs,
                   const std::vector<double>& t, double days) {
  int64_t n = 0;
  for (const auto& [a, b] : pairs) n += std::fabs(t[a] - t[b]) <= days ? 1 : 0;
  return n;
}

}  // namespace

Result<KnoxResult> KnoxTest(const std::vector<SpaceTimeEvent>& events, const KnoxOptions& o) {
  if (!(o.distance_m > 0) || !std::isfinite(o.distance_m))
    return InvalidArgument("the Knox distance must be positive");
  if (!(o.days >= 0) || !std::isfinite(o.days))
    return InvalidArgument("the Knox time window must be zero or more days");
  if (o.permutations < 0 || o.permutations > kMaxKnoxPermutations)
    return InvalidArgument("permutations must be between 0 and 9999");
  if (events.size() > UINT32_MAX) return InvalidArgument("too many events");
  for (const SpaceTimeEvent& e : events)
    if (!std::isfinite(e.x) || !std::isfinite(e.y) || !std::isfinite(e.t_days))
      return InvalidArgument("event coordinates and times must be finite");

  KnoxResult r;
  const auto n = static_cast<int64_t>(events.size());
  r.events = n;
  r.pairs = n * (n - 1) / 2;

  // Pairs close in space through buckets of side distance_m: a close pair lies in the same
  // or an adjacent bucket.
  const double d = o.distance_m, d2 = d * d;
  std::unordered_map<uint64_t, std::vector<uint32_t>> buckets;
  std::vector<std::pair<int64_t, int64_t>> cell(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const auto bx = static_cast<int64_t>(std::floor(events[i].x / d));
    const auto by = static_cast<int64_t>(std::floor(events[i].y / d));
    cell[i] = {bx, by};
    buckets[BucketKey(bx, by)].push_back(static_cast<uint32_t>(i));
  }
  std::vector<std::pair<uint32_t, uint32_t>> close;
  for (size_t i = 0; i < events.size(); ++i) {
    for (int64_t dy = -1; dy <= 1; ++dy) {
      for (int64_t dx = -1; dx <= 1; ++dx) {
        auto it = buckets.find(BucketKey(cell[i].first + dx, cell[i].second + dy));
        if (it == buckets.end()) continue;
        for (uint32_t j : it->second) {
          if (j <= i) continue;  // each pair once
          const double ex = events[i].x - events[j].x, ey = events[i].y - events[j].y;
          if (ex * ex + ey * ey <= d2) close.emplace_back(static_cast<uint32_t>(i), j);
        }
      }
    }
    if (static_cast<int64_t>(close.size()) > kMaxKnoxSpacePairs)
      return InvalidArgument("more than 50,000,000 pairs are close in space: use a smaller distance");
  }
  r.close_space = static_cast<int64_t>(close.size());

  // Pairs close in time: on sorted times, each event pairs with the later ones within `days`.
  std::vector<double> sorted(events.size());
  for (size_t i = 0; i < events.size(); ++i) sorted[i] = events[i].t_days;
  std::sort(sorted.begin(), sorted.end());
  size_t hi = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (hi < i + 1) hi = i + 1;
    while (hi < sorted.size() && sorted[hi] - sorted[i] <= o.days) ++hi;
    r.close_time += static_cast<int64_t>(hi - i - 1);
  }

  std::vector<double> t(events.size());
  for (size_t i = 0; i < events.size(); ++i) t[i] = events[i].t_days;
  r.observed = CountClose(close, t, o.days);
  if (r.pairs > 0)
    r.expected = static_cast<double>(r.close_space) * static_cast<double>(r.close_time) /
                 static_cast<double>(r.pairs);
  if (r.expected > 0) r.ratio = static_cast<double>(r.observed) / r.expected;

  r.permutations = o.permutations;
  if (o.permutations > 0) {
    std::mt19937_64 rng(o.seed);
    double total = 0;
    for (int k = 0; k < o.permutations; ++k) {
      for (size_t i = t.size(); i > 1; --i) std::swap(t[i - 1], t[Below(rng, i)]);
      const int64_t c = CountClose(close, t, o.days);
      total += static_cast<double>(c);
      if (c >= r.observed) ++r.at_least_observed;
    }
    r.permuted_mean = total / o.permutations;
    r.p_value = static_cast<double>(1 + r.at_least_observed) / (1.0 + o.permutations);
  }
  return r;
}

}  // namespace centinela::analytics
