#pragma once
// Feeds the response-time summaries (analytics/response_times.h) from the incidents, for
// GET /api/v1/analytics/response-times: incidents listed under the area in incident_areas,
// received in [from, to), merged ones left out, that reached the scene; the duration is
// on_scene_ms - received_ms; the key is (UTC month of reception, agency, priority). An
// incident served by several agencies counts once under each of them.

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/response_times.h"
#include "common/status.h"
#include "store/store.h"

namespace centinela::analytics {

inline constexpr int64_t kMaxResponseRows = 500'000;

struct ResponseQuery {
  std::string area;
  int64_t from_ms = 0;
  int64_t to_ms = 0;           //!< exclusive
  double target_seconds = 600;  //!< the share answered within this time
};

//! Summaries keyed {month, agency, priority}, ordered by key. kInvalidArgument for an empty
//! window, a target that is not positive or more than kMaxResponseRows incidents.
Result<std::vector<DurationSummary>> LoadResponseTimes(store::Store& store,
                                                       const ResponseQuery& q);

}  // namespace centinela::analytics
