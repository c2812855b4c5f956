#pragma once
// Near-repeat summary: the Knox test (Knox 1964; Johnson & Bowers' near-repeat calculator
// uses the same count). Among all n(n-1)/2 pairs of events, count those close in space
// (distance <= distance_m), close in time (|dt| <= days) and close in both (observed).
// Under no space-time interaction the expected count of "both" is
//   expected = close_space * close_time / pairs
// (the 2x2 table's margins). Significance is a Monte Carlo test: the times are shuffled
// among the events `permutations` times (locations fixed, so both margins stay) and
//   p = (1 + #{permuted observed >= observed}) / (1 + permutations).
// The shuffles come from a seeded std::mt19937_64 and our own Fisher-Yates, so a given seed
// gives the same p-value on every platform.
//
// Work: pairs close in space are found through a bucket grid of side distance_m
// (O(n + pairs close in space)); each permutation then costs one pass over those pairs;
// close-in-time pairs are counted on sorted times (O(n log n)). Pure.

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace centinela::analytics {

//! An event at metric position (x, y) at time t_days (any origin, fractional days).
struct SpaceTimeEvent {
  double x = 0;
  double y = 0;
  double t_days = 0;
};

inline constexpr int kMaxKnoxPermutations = 9'999;
inline constexpr int64_t kMaxKnoxSpacePairs = 50'000'000;  //!< bounds the memory (400 MB)

struct KnoxOptions {
  double distance_m = 200;  //!< "close in space": distance <= distance_m (> 0)
  double days = 14;         //!< "close in time": |dt| <= days (>= 0)
  int permutations = 99;    //!< 0..kMaxKnoxPermutations; 0 skips the Monte Carlo test
  uint64_t seed = 1;
};

struct KnoxResult {
  int64_t events = 0;
  int64_t pairs = 0;        //!< n(n-1)/2
  int64_t close_space = 0;
  int64_t close_time = 0;
  int64_t observed = 0;     //!< close in both
  double expected = 0;      //!< close_space * close_time / pairs (0 when pairs == 0)
  double ratio = 0;         //!< observed / expected (0 when expected == 0)
  int permutations = 0;
  int64_t at_least_observed = 0;  //!< permutations whose count was >= observed
  double permuted_mean = 0;       //!< mean count over the permutations
  double p_value = 1;             //!< Monte Carlo p (1 without permutations)
};

//! kInvalidArgument for parameters out of range, non-finite coordinates or times, or more
//! than kMaxKnoxSpacePairs pairs close in space (choose a smaller distance).
Result<KnoxResult> KnoxTest(const std::vector<SpaceTimeEvent>& events, const KnoxOptions& o);

}  // namespace centinela::analytics
