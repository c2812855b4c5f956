#pragma once
// The dark figure of crime: how much of what neighbours report never reaches the police
// records, and an estimate of the total number of incidents from the two lists.
//
// 1. Matching (MatchReports): an informal report and a formal complaint are the same
//    incident when they share the category family, lie within distance_m of each other and
//    within hours of each other. Matching is one-to-one: every candidate pair is scored by
//    distance / distance_m + |dt| / hours, and pairs are taken greedily from the lowest
//    score up (ties by informal then formal index), skipping reports or complaints already
//    taken. Deterministic.
// 2. Capture-recapture (Chapman 1951, the bias-corrected Lincoln-Petersen estimator): with
//    n1 informal reports, n2 formal complaints and m matched,
//      N = (n1 + 1)(n2 + 1) / (m + 1) - 1
//      Var(N) = (n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)^2 (m + 2))
//    and a normal-approximation confidence interval N +- z sqrt(Var), its lower end never
//    below the n1 + n2 - m incidents actually seen. It assumes the two lists are
//    independent samples of one closed population; documented in docs/analytics.md.
// 3. The dark figure itself is the estimated share of incidents without a complaint,
//    1 - n2 / N, tracked against a survey reference (ENUSC's ~50 %) and a target (30 %).
// Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace centinela::analytics {

//! An incident from either list, in the common metric frame; t_ms is epoch milliseconds.
struct Incident {
  std::string family;  //!< category family (robbery, burglary, violence, ...)
  double x = 0;
  double y = 0;
  int64_t t_ms = 0;
};

struct MatchOptions {
  double distance_m = 500;  //!< D: at most this far apart, metres
  double hours = 48;        //!< T: at most this far apart in time, hours
};

struct MatchResult {
  //! For each informal report, the index of its formal complaint, or -1.
  std::vector<int64_t> formal_of;
  int64_t informal = 0;
  int64_t formal = 0;
  int64_t matched = 0;
  //! Informal reports no complaint matches, as a share of the informal reports (0 if none).
  double unmatched_share = 0;
};

//! kInvalidArgument when distance_m or hours is not positive.
Result<MatchResult> MatchReports(const std::vector<Incident>& informal,
                                 const std::vector<Incident>& formal, const MatchOptions& o);

struct CaptureRecapture {
  double estimate = 0;   //!< Chapman's N
  double variance = 0;
  double ci_low = 0;     //!< max(n1 + n2 - m, N - z sqrt(Var))
  double ci_high = 0;
};

//! Chapman's estimate for n1, n2 >= m >= 0; z = 1.96 gives a 95 % interval.
//! kInvalidArgument when m exceeds n1 or n2 or a count is negative.
Result<CaptureRecapture> Chapman(int64_t n1, int64_t n2, int64_t m, double z = 1.96);

//! One month (or any period) of the dark figure against its reference and target.
struct DarkFigurePoint {
  int64_t informal = 0;
  int64_t formal = 0;
  int64_t matched = 0;
  double unmatched_share = 0;  //!< (informal - matched) / informal
  CaptureRecapture total;      //!< estimated incidents
  double dark_figure = 0;      //!< 1 - formal / total.estimate (0 when the estimate is 0)
  double reference = 0;        //!< survey reference, e.g. 0.50
  double target = 0;           //!< e.g. 0.30
  //! Share of the way from the reference to the target: 0 at the reference, 1 at the target,
  //! above 1 past it, negative when worse than the reference.
  double progress = 0;
  bool target_met = false;     //!< dark_figure <= target
};

//! Combines the counts into a DarkFigurePoint. kInvalidArgument as Chapman, or when the
//! reference and target are outside [0, 1] or equal.
Result<DarkFigurePoint> DarkFigure(int64_t informal, int64_t formal, int64_t matched,
                                   double reference, double target);

}  // namespace centinela::analytics
