#include "analytics/response_times.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace centinela::analytics {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = static_cast<double>(sorted.size() - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Result<std::vector<DurationSummary>> SummariseDurations(const std::vector<DurationSample>& samples,
                                                        double target_seconds) {
  if (!(target_seconds > 0)) return InvalidArgument("the target time must be positive");
  std::map<std::vector<std::string>, std::vector<double>> groups;
  for (const DurationSample& s : samples) {
    if (!std::isfinite(s.seconds) || s.seconds < 0)
      return InvalidArgument("durations must be finite and not negative");
    groups[s.key].push_back(s.seconds);
  }
  std::vector<DurationSummary> out;
  out.reserve(groups.size());
  for (auto& [key, values] : groups) {
    std::sort(values.begin(), values.end());
    DurationSummary d;
    d.key = key;
    d.count = static_cast<int64_t>(values.size());
    d.p50 = Quantile(values, 0.5);
    d.p90 = Quantile(values, 0.9);
    const auto within = std::upper_bound(values.begin(), values.end(), target_seconds) - values.begin();
    d.within_target_share = static_cast<double>(within) / static_cast<double>(values.size());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace centinela::analytics
