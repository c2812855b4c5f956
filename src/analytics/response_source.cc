#include "analytics/response_source.h"

#include "analytics/dark_figure_source.h"
#include "dispatch/incidents.h"

namespace centinela::analytics {

Result<std::vector<DurationSummary>> LoadResponseTimes(store::Store& store,
                                                       const ResponseQuery& q) {
  if (!(q.from_ms < q.to_ms)) return InvalidArgument("'from' must be before 'to'");
  auto rows = dispatch::ResponseRows(store, q.area, q.from_ms, q.to_ms, kMaxResponseRows + 1);
  if (!rows.ok()) return rows.status();
  if (static_cast<int64_t>(rows->size()) > kMaxResponseRows)
    return InvalidArgument("more than 500,000 incidents in the window: narrow it");
  std::vector<DurationSample> samples;
  for (const dispatch::ResponseRow& r : *rows) {
    const int64_t received = r.received_ms, on_scene = r.on_scene_ms;
    if (on_scene < received) continue;  // a clock step backwards; not a response time
    const double seconds = static_cast<double>(on_scene - received) / 1000.0;
    const std::string month = MonthOf(received), priority = std::to_string(r.priority);
    for (const std::string& agency : r.agencies)
      samples.push_back({{month, agency, priority}, seconds});
  }
  return SummariseDurations(samples, q.target_seconds);
}

}  // namespace centinela::analytics
