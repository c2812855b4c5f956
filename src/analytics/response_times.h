#pragma once
// Response-time summaries for the precinct meeting: per group (area, agency, priority,
// month — whatever the caller puts in the key), the count, the median (p50), p90 and the
// share answered within a target time. Percentiles interpolate linearly between the two
// nearest ranks (Hyndman & Fan type 7, as numpy.percentile and Excel PERCENTILE.INC do):
// with the n durations sorted, the q-quantile is at position (n - 1) q (0-based), between
// x[floor] and x[ceil]. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::analytics {

struct DurationSample {
  std::vector<std::string> key;  //!< e.g. {area, agency, priority, "2026-11"}
  double seconds = 0;
};

struct DurationSummary {
  std::vector<std::string> key;
  int64_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double within_target_share = 0;  //!< share with seconds <= target
};

//! The q-quantile (0 <= q <= 1) of `values` (sorted ascending, non-empty), type 7.
double Quantile(const std::vector<double>& sorted, double q);

//! One summary per distinct key, ordered by key. Samples with a negative or non-finite
//! duration are rejected (kInvalidArgument) rather than silently dropped; so is a target
//! that is not positive.
Result<std::vector<DurationSummary>> SummariseDurations(const std::vector<DurationSample>& samples,
                                                        double target_seconds);

}  // namespace centinela::analytics
