#include "analytics/response_source.h"

#include "analytics/dark_figure_source.h"
#include "community/json_list.h"

namespace centinela::analytics {

Result<std::vector<DurationSummary>> LoadResponseTimes(store::Store& store,
                                                       const ResponseQuery& q) {
  if (!(q.from_ms < q.to_ms)) return InvalidArgument("'from' must be before 'to'");
  auto rows = store.Query(
      "SELECT i.priority AS priority, i.agencies AS agencies, i.received_ms AS received, "
      "i.on_scene_ms AS on_scene FROM incidents i JOIN incident_areas ia ON ia.incident_id = i.id "
      "WHERE ia.area_code = $1 AND i.received_ms >= $2 AND i.received_ms < $3 AND "
      "i.on_scene_ms IS NOT NULL AND i.merged_into IS NULL LIMIT " +
          std::to_string(kMaxResponseRows + 1),
      {q.area, q.from_ms, q.to_ms});
  if (!rows.ok()) return rows.status();
  if (static_cast<int64_t>(rows->size()) > kMaxResponseRows)
    return InvalidArgument("more than 500,000 incidents in the window: narrow it");
  std::vector<DurationSample> samples;
  for (size_t i = 0; i < rows->size(); ++i) {
    const int64_t received = rows->Int(i, "received"), on_scene = rows->Int(i, "on_scene");
    if (on_scene < received) continue;  // a clock step backwards; not a response time
    const double seconds = static_cast<double>(on_scene - received) / 1000.0;
    const std::string month = MonthOf(received), priority = std::to_string(rows->Int(i, "priority"));
    for (const std::string& agency : community::ParseJsonStringList(rows->Text(i, "agencies")))
      samples.push_back({{month, agency, priority}, seconds});
  }
  return SummariseDurations(samples, q.target_seconds);
}

}  // namespace centinela::analytics
