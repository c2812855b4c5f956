#include "analytics/adoption_source.h"

#include <unordered_map>

namespace centinela::analytics {

Result<std::vector<AdoptionRow>> LoadAdoptionTable(store::Store& store,
                                                   const areas::AreaService& areas,
                                                   community::MembershipService& memberships,
                                                   const AdoptionQuery& q) {
  if (q.from_ms > q.to_ms) return InvalidArgument("'from' must not be after 'to'");
  if (!areas.Get(q.area)) return NotFound("no area '" + q.area + "'");
  auto registered = memberships.ApprovedCounts();
  if (!registered.ok()) return registered.status();
  auto rows = store.Query(
      "SELECT area_code, COUNT(*) AS n FROM report_areas WHERE created_ms >= $1 AND "
      "created_ms < $2 GROUP BY area_code",
      {q.from_ms, q.to_ms});
  if (!rows.ok()) return rows.status();
  std::unordered_map<std::string, int64_t> reports;
  for (size_t i = 0; i < rows->size(); ++i) reports[rows->Text(i, "area_code")] = rows->Int(i, "n");

  // The subtree under q.area, breadth first. The area tree has no cycles (AreaService refuses
  // them); the bound only guards the walk.
  constexpr size_t kMaxAreas = 100'000;
  std::vector<AdoptionInput> inputs;
  std::vector<std::string> queue{q.area};
  for (size_t i = 0; i < queue.size() && i < kMaxAreas; ++i) {
    auto a = areas.Get(queue[i]);
    if (!a) continue;
    AdoptionInput in;
    in.code = a->code;
    in.name = a->name;
    in.parent = i == 0 ? std::string() : a->parent_code;
    in.population = a->population;
    if (auto it = registered->find(a->code); it != registered->end()) in.registered = it->second;
    if (auto it = reports.find(a->code); it != reports.end()) in.reports = it->second;
    inputs.push_back(std::move(in));
    for (std::string& child : areas.Children(a->code)) queue.push_back(std::move(child));
  }
  return AdoptionTable(inputs, q.area);
}

}  // namespace centinela::analytics
